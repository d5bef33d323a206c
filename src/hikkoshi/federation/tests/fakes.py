"""A small HTTP server on 127.0.0.1 that answers what a test tells it (a peer's documents, a
peer that answers badly, trickles or sends too much): a test double at the edge only."""

from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
import threading
import time

from joserfc import jws
from joserfc.jwk import OKPKey

from hikkoshi import httpsig


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    trickle: float = 0.0  # seconds between bytes


class FakePeer:
    def __init__(self) -> None:
        self.replies: dict[str, Reply | Callable[[], Reply]] = {}
        self.hits: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                fake.hits.append(self.path)
                reply = fake.replies.get(self.path.split("?")[0], Reply(404))
                reply = reply() if callable(reply) else reply
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                try:
                    if reply.trickle:
                        for byte in reply.body:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(reply.trickle)
                    else:
                        self.wfile.write(reply.body)
                except OSError:
                    pass  # the client gave up: what a deadline is for

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def jwk(key, kid):
    return httpsig.public_jwk(key.public_key(), kid)


def sign_document(claims: dict, key, kid: str, *, alg: str = "EdDSA") -> bytes:
    private = OKPKey.import_key(httpsig.private_key_to_pem(key))
    payload = json.dumps(claims, ensure_ascii=False).encode()
    return jws.serialize_compact({"alg": alg, "kid": kid}, payload, private, algorithms=[alg]).encode()


def claims(peer_id: str, *, current: list, next: tuple | list = (), areas=("27",), iat=None, lifetime=3600) -> dict:
    iat = int(time.time()) if iat is None else iat
    return {
        "id": peer_id,
        "name": "関西テストポータル",
        "region": {"id": "kansai", "name": "Kansai", "areas": list(areas)},
        "endpoints": {"federation": "http://127.0.0.1/federation/v1/"},
        "oidc_issuer": "http://127.0.0.1/",
        "privacy_policy": {"url": "http://127.0.0.1/pages/privacy/", "sha256": "0" * 64},
        "keys": {"current": list(current), "next": list(next)},
        "iat": iat,
        "exp": iat + lifetime,
    }
