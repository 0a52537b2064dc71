"""Run a function in several threads at once, for tests of concurrent writers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any


def run_together(target: Callable[..., Any], arguments: Iterable[tuple[Any, ...]]) -> None:
    """Start one thread per argument tuple, then wait for all of them."""
    threads = [threading.Thread(target=target, args=args) for args in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
