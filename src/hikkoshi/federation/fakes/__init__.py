"""Stand-ins for partner portals that do not speak the common interface: real HTTP servers on
127.0.0.1 (``http.server`` in a thread), each speaking its portal's own format — Kanto's
引越れんらく帳 (``renrakucho``) and the 関西引越し手続きサービス's JSON (``kansai_json``) — for the
adapters' tests and the federation demo (``python -m hikkoshi.federation.fakes.renrakucho``).

Each has switches for how a real portal fails (``Switches``): down (nothing listens), black-holed
(accepts, reads the request, never answers), trickling (its answer one byte at a time), markup
or a ``javascript:`` link in its data, an area outside its region, bytes that are not CP932, a
20 MB answer (announced in ``Content-Length`` or not). What it received is kept (``received``)
so a test can read it back. The data are samples, made up and marked so: they are not any
organisation's real contacts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import sys
import threading
import time
from typing import Any


@dataclass
class Switches:
    black_hole: bool = False  # accept and read the request, never answer
    trickle: float = 0.0  # seconds between the answer's bytes
    markup: bool = False  # an organisation's name with a <script> tag
    javascript_link: bool = False  # a web contact "javascript:alert(1)"
    outside_area: bool = False  # an organisation serving 01100 (Sapporo)
    bad_bytes: bool = False  # bytes that are not CP932 in the directory
    huge: int = 0  # bytes of padding after the answer (20 MB: 20 * 1024 * 1024)
    huge_announced: bool = True  # say the padded length in Content-Length
    status: int = 0  # answer every request with this status instead


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass
class Reply:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class FakePortal:
    """A partner portal on 127.0.0.1; subclasses answer ``route(method, path, query, headers, body)``."""

    def __init__(self, port: int = 0) -> None:
        self.switches = Switches()
        self.received: list[Received] = []
        self.bytes_written = 0
        self._release = threading.Event()
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- what a subclass answers --------------------------------------------------------------------

    def route(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Reply:
        raise NotImplementedError

    # -- life -----------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> FakePortal:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {name.lower(): value for name, value in self.headers.items()}
                path, _sep, query = self.path.partition("?")
                fake.received.append(Received(self.command, path, headers, body))
                if fake.switches.black_hole:
                    fake._release.wait(120)  # until the test ends: never an answer
                    self.close_connection = True
                    return
                if fake.switches.status:
                    reply = Reply(fake.switches.status, "text/plain", b"unavailable")
                else:
                    reply = fake.route(self.command, path, query, headers, body)
                fake._answer(self, reply)

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
                pass

        self._release.clear()
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._server.daemon_threads = True
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Down: nothing listens on the port any more (``start()`` brings it back on the same port)."""
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakePortal:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- how an answer goes out -----------------------------------------------------------------------

    def _answer(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        switches = self.switches
        body = reply.body + b" " * switches.huge
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        if switches.huge and not switches.huge_announced:
            handler.send_header("Connection", "close")  # the length is the end of the stream
            handler.close_connection = True
        else:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        write: Callable[[bytes], Any] = handler.wfile.write
        try:
            if switches.trickle:
                for byte in body:
                    write(bytes([byte]))
                    handler.wfile.flush()
                    self.bytes_written += 1
                    if self._release.wait(switches.trickle):
                        return
            else:
                for start in range(0, len(body), 65536):
                    chunk = body[start : start + 65536]
                    write(chunk)
                    self.bytes_written += len(chunk)
        except OSError:
            handler.close_connection = True  # the client gave up: what a deadline or a cap is for


def serve_forever(fake: FakePortal, what: str) -> None:
    """Run a fake until Ctrl-C (``python -m hikkoshi.federation.fakes.<name> --port N``)."""
    fake.start()
    sys.stdout.write(f"{what} on {fake.url}/ (Ctrl-C stops it)\n")
    sys.stdout.flush()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()
