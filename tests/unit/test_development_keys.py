"""The embedded signing key: processes that start together (HTTP workers, the supervisor) agree on one key."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from shared.platform.auth import DEV_KEY_FILE, DevelopmentKeys


def _public_pem(data_dir: str, start: multiprocessing.synchronize.Barrier, out: multiprocessing.Queue) -> None:
    from cryptography.hazmat.primitives import serialization

    start.wait()  # every process imported and waiting: they look for the key file at the same moment
    keys = DevelopmentKeys(Path(data_dir))
    out.put(keys.public_key.public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode())


def test_processes_starting_at_once_share_one_key(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    start, out = context.Barrier(6), context.Queue()
    processes = [context.Process(target=_public_pem, args=(str(tmp_path), start, out)) for _ in range(6)]
    for process in processes:
        process.start()
    keys = {out.get(timeout=60) for _ in processes}
    for process in processes:
        process.join(timeout=30)
    assert len(keys) == 1, "workers started together would verify tokens with different keys"
    assert [p.name for p in tmp_path.iterdir()] == [DEV_KEY_FILE], "no draft key file is left behind"
    assert (tmp_path / DEV_KEY_FILE).stat().st_mode & 0o077 == 0, "the key file is private"


def test_a_token_minted_by_one_process_verifies_in_another(tmp_path: Path) -> None:
    minted = DevelopmentKeys(tmp_path).mint("someone", ["community_staff"], ["jinpen"])
    principal = DevelopmentKeys(tmp_path).verifier().verify(minted)
    assert principal.subject == "someone"
