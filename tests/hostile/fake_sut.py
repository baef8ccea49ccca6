"""A programmable hostile SUT: the ways a broken or dishonest product can answer.

Each behaviour answers `GET /metadata` properly (so a run starts) unless it is about the
connection itself, and misbehaves on every other route. `flip-flop` sits in front of a real
reference and changes every other read of a form, so the harness must notice a record that
does not read back the same twice.
"""

from __future__ import annotations

import json
import socket
import ssl
import struct
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

#: Markup in every string a SUT returns: it must never become markup in a report.
MARKUP = "<script>alert('sut')</script><img src=x onerror=alert(1)>"
HUGE_BYTES = 10 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HostileServer

    def log_message(self, *args: object) -> None:
        return None

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, kind: str = "application/json",
              headers: dict[str, str] | None = None) -> None:  # fmt: skip
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _answer(self) -> None:
        request_body = self._body()
        if self.path == "/metadata" and self.server.behaviour != "flip-flop":
            meta = {"product": f"Hostile {MARKUP}", "version": MARKUP}
            self._send(200, json.dumps(meta).encode())
            return
        BEHAVIOURS[self.server.behaviour](self, request_body)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _answer


def _expected_status(method: str) -> int:
    return {"POST": 201, "DELETE": 204}.get(method, 200)


def _hang(handler: _Handler, _: bytes) -> None:
    handler.server.stopping.wait(60)


def _slow_drip(handler: _Handler, _: bytes) -> None:
    body = json.dumps({"id": 1, "note": "x" * 200}).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    for byte in body:
        if handler.server.stopping.wait(0.1):
            return
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()


def _reset(handler: _Handler, _: bytes) -> None:
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()
    handler.close_connection = True


def _not_json(handler: _Handler, _: bytes) -> None:
    page = f"<html><body><h1>Welcome</h1>{MARKUP}</body></html>".encode()
    handler._send(_expected_status(handler.command), page, "text/html")


def _wrong_shape(handler: _Handler, _: bytes) -> None:
    handler._send(_expected_status(handler.command), b"[1, 2, 3]")


def _huge(handler: _Handler, _: bytes) -> None:
    handler._send(200, b'{"pad": "' + b"x" * HUGE_BYTES + b'"}')


def _server_error(handler: _Handler, _: bytes) -> None:
    handler._send(500, json.dumps({"code": "internal", "message": MARKUP}).encode())


def _marked_up(handler: _Handler, request_body: bytes) -> None:
    try:
        sent = json.loads(request_body) if request_body else {}
    except ValueError:
        sent = {}
    keys = [*(sent if isinstance(sent, dict) else {}), "id", "code", "message", "status", "text"]
    body = json.dumps(dict.fromkeys(keys, MARKUP)).encode()
    handler._send(_expected_status(handler.command), body)


def _redirect_loop(handler: _Handler, _: bytes) -> None:
    handler._send(302, b"", headers={"Location": handler.path})


def _yes_man(handler: _Handler, _: bytes) -> None:
    status = _expected_status(handler.command)
    handler._send(status, b"" if status == 204 else b'{"id": 1}')


def _flip_flop(handler: _Handler, request_body: bytes) -> None:
    upstream = handler.server.upstream
    assert upstream is not None
    headers = {k: v for k, v in handler.headers.items() if k.lower() in
               ("authorization", "content-type", "accept")}  # fmt: skip
    answer = httpx.request(handler.command, upstream + handler.path, headers=headers,
                           content=request_body or None, timeout=10)  # fmt: skip
    body = answer.content
    if handler.command == "GET" and handler.path.startswith("/forms/"):
        reads = handler.server.reads  # per path: each record reads differently every other time
        reads[handler.path] = reads.get(handler.path, 0) + 1
        if reads[handler.path] % 2 == 0:
            body = body.replace(b'"status":"approved"', b'"status":"draft"')
            body = body.replace(b'"version":', b'"version":1', 1)
    handler._send(answer.status_code, body, answer.headers.get("content-type", "application/json"))


BEHAVIOURS: dict[str, Callable[[_Handler, bytes], None]] = {
    "hang": _hang,
    "slow-drip": _slow_drip,
    "reset": _reset,
    "not-json": _not_json,
    "wrong-shape": _wrong_shape,
    "huge": _huge,
    "server-error": _server_error,
    "markup": _marked_up,
    "redirect-loop": _redirect_loop,
    "yes-man": _yes_man,
    "flip-flop": _flip_flop,
    "bad-certificate": _yes_man,
}


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, behaviour: str, upstream: str | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.behaviour = behaviour
        self.upstream = upstream
        self.stopping = threading.Event()
        self.reads: dict[str, int] = {}

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a client that gave up mid-answer is expected here


def _self_signed(folder: Path) -> ssl.SSLContext:
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=hostile.invalid", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


@contextmanager
def hostile_sut(behaviour: str, folder: Path, upstream: str | None = None) -> Iterator[str]:
    """Serve `behaviour` on a free port of 127.0.0.1 until the block ends; yield its base URL."""
    server = HostileServer(behaviour, upstream)
    scheme = "http"
    if behaviour == "bad-certificate":
        server.socket = _self_signed(folder).wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
