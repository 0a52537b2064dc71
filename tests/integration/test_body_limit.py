"""Oversized request bodies (1 MiB and more) at the socket, against a real uvicorn serving grid.

The requests are written by hand on a raw TCP socket, so nothing between the test and the server (no
HTTP client) fixes them up: a declared length over the limit, a chunked body with no Content-Length, and
Content-Length headers that lie in both directions. Each is refused with 413 (or, where the declared
length is within the limit, the server reads only the declared bytes), nothing is stored, and the server
keeps answering. Reads time out (a failure) if the server were to wait for a body it should refuse.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from services.grid.config import SERVICE as GRID
from shared.platform.auth import DevelopmentKeys
from shared.platform.broker import free_port
from shared.platform.http import DEFAULT_MAX_BODY_BYTES
from shared.platform.settings import Settings
from tests.conftest import measured

MiB = 1024 * 1024
READ_TIMEOUT = 20  # seconds; only a server waiting for a body it should have refused gets near it


class Served:
    def __init__(self, port: int, token: str, application: Any) -> None:
        self.port, self.token, self.application = port, token, application

    def stored(self) -> int:
        return self.application.recorder.max_notification_id() or 0


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    from bootstrap.runtime import build_service, build_verifier

    settings = Settings(SHEQU_DATA_DIR=tmp_path_factory.mktemp("body-limit") / "data")
    running = build_service(GRID, settings, None, build_verifier(settings), with_relay=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(running.http, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        assert server.started, "uvicorn did not start"
        token = DevelopmentKeys(settings.data_dir).mint("body-limit-admin", ["admin"], ["*"])
        yield Served(port, token, running.application)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        running.application.close()


def connect(served: Served) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=READ_TIMEOUT)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def head(served: Served, extra: list[str]) -> bytes:
    lines = ["POST /communities HTTP/1.1", f"Host: 127.0.0.1:{served.port}", f"Authorization: Bearer {served.token}",
             "Content-Type: application/json", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response: status, headers, body (by its Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a response: {data!r}")
        data += chunk
    header, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = header.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in header_lines)}
    length = int(headers.get("content-length", 0))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(status_line.split()[1]), headers, body[:length]


def send_quietly(sock: socket.socket, data: bytes) -> int:
    """Send what the server takes; a server that refused the body may close before the rest is sent."""
    sent = 0
    try:
        while sent < len(data):
            sent += sock.send(data[sent:sent + 65536])
    except (BrokenPipeError, ConnectionResetError):
        pass
    return sent


def community(name_bytes: int) -> bytes:
    return json.dumps({"id": "oversized", "name": "x" * name_bytes, "district": "d", "households": 1,
                       "residents": 1}).encode()


def test_the_default_limit_is_under_one_mebibyte():
    assert DEFAULT_MAX_BODY_BYTES < MiB


@pytest.mark.parametrize("size", [MiB, 4 * MiB])
def test_a_declared_length_over_the_limit_is_413_before_any_body_is_sent(served, size, request):
    before = served.stored()
    with connect(served) as sock:
        sock.sendall(head(served, [f"Content-Length: {size}"]))  # and not one byte of the body
        status, headers, body = read_response(sock)
    assert status == 413 and json.loads(body)["max_body_bytes"] == DEFAULT_MAX_BODY_BYTES
    assert headers["connection"] == "close"
    assert served.stored() == before
    measured(request, f"body limit: Content-Length {size} with no body sent -> {status}")


def test_a_chunked_body_without_length_is_413_once_past_the_limit(served, request):
    before = served.stored()
    payload = community(MiB)
    chunk = 16 * 1024
    with connect(served) as sock:
        sock.sendall(head(served, ["Transfer-Encoding: chunked"]))
        sent = 0
        # Only a little past the limit: the server answers as soon as it has counted more than it allows.
        while sent <= DEFAULT_MAX_BODY_BYTES + chunk:
            part = payload[sent:sent + chunk]
            sock.sendall(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            sent += len(part)
        status, _, body = read_response(sock)
    assert status == 413 and "too large" in json.loads(body)["detail"]
    assert sent < len(payload)  # refused while the 1 MiB body was still arriving
    assert served.stored() == before
    measured(request, f"body limit: chunked 1 MiB body, no Content-Length -> {status} after {sent} bytes sent")


def test_a_length_that_lies_low_reads_only_what_it_declares(served, request):
    """Content-Length 64 KiB, then 1 MiB: the handler gets at most 64 KiB (truncated JSON: 422), the rest is not
    a request (400 or a closed connection); nothing over the declared length reaches the app."""
    before = served.stored()
    payload = community(MiB)
    declared = 64 * 1024
    with connect(served) as sock:
        sock.sendall(head(served, [f"Content-Length: {declared}"]))
        sender = threading.Thread(target=send_quietly, args=(sock, payload), daemon=True)
        sender.start()
        status, _, body = read_response(sock)
        sender.join(timeout=READ_TIMEOUT)
    # h11 hands the app the declared bytes (truncated JSON: 422); httptools may first refuse the bytes past
    # them as a malformed next request (400). Either way the app never reads past the declared length.
    assert status == 422 or (status == 400 and b"Invalid HTTP request" in body), body
    assert served.stored() == before
    measured(request, f"body limit: Content-Length {declared} then 1 MiB sent -> {status} (declared bytes only)")


def test_a_length_that_lies_high_is_413_without_waiting_for_it(served, request):
    before = served.stored()
    with connect(served) as sock:
        sock.sendall(head(served, [f"Content-Length: {2 * MiB}"]) + community(10))
        status, _, _ = read_response(sock)
    assert status == 413
    assert served.stored() == before
    measured(request, f"body limit: Content-Length 2 MiB with a 100-byte body -> {status}")


def test_the_server_still_answers_a_body_within_the_limit(served):
    payload = community(100)
    with connect(served) as sock:
        sock.sendall(head(served, [f"Content-Length: {len(payload)}"]) + payload)
        status, _, body = read_response(sock)
    assert status == 201, body
