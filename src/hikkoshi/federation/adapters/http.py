"""HTTP to a partner portal for the adapters: a total deadline, a size cap, redirects kept home.

- **Total deadline**: connecting, sending, every redirect and every byte of the answer together
  end within the peer's ``deadline`` seconds — not a time per read, so a peer trickling one byte
  a second, or accepting the connection and never answering, costs at most the deadline. The
  exchange runs as one ``asyncio`` task under ``asyncio.wait_for``, cancelled when time is up.
- **Size cap**: an answer announcing more than ``max_bytes`` (``Content-Length``) is refused
  before its body is read; one that does not say is read in chunks and dropped as soon as it
  passes the cap.
- **Redirects** are followed (at most ``MAX_REDIRECTS``) only to the same scheme, host and port;
  a redirect elsewhere is refused (``BadAnswer``), and the credential never leaves the peer.

Called from synchronous code (a worker, a view, a command), never from a running event loop.
Nothing is logged here: the adapters log what they did, without personal data.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from . import AnswerTooLarge, BadAnswer, DeadlineExceeded, PeerEndpoint, PeerUnreachable

MAX_REDIRECTS = 3
_REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes
    url: str  # where the answer came from (after redirects)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(parts.scheme)


async def _one(client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str], body: bytes, cap: int):
    async with client.stream(method, url, headers=headers, content=body or None) as answer:
        fields = {name.lower(): value for name, value in answer.headers.items()}
        if answer.status_code in _REDIRECTS:
            return answer.status_code, fields, b""
        length = fields.get("content-length", "")
        if length.isdigit() and int(length) > cap:
            raise AnswerTooLarge(f"the answer announces {length} bytes, over {cap}")
        chunks, size = [], 0
        async for chunk in answer.aiter_raw():
            size += len(chunk)
            if size > cap:
                raise AnswerTooLarge(f"the answer is over {cap} bytes")
            chunks.append(chunk)
        return answer.status_code, fields, b"".join(chunks)


async def _exchange(peer: PeerEndpoint, method: str, url: str, headers: dict[str, str], body: bytes) -> Response:
    home = _origin(peer.base_url)
    # httpx's own timeout is only a backstop; the deadline is wait_for's.
    async with httpx.AsyncClient(timeout=peer.deadline, follow_redirects=False, trust_env=False) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            if _origin(url) != home:
                raise BadAnswer("a redirect to another host is not followed")
            status, fields, data = await _one(client, method, url, headers, body, peer.max_bytes)
            if status not in _REDIRECTS:
                return Response(status, fields, data, url)
            url = urljoin(url, fields.get("location", ""))
            if status == 303 or (status in (301, 302) and method == "POST"):
                method, body = "GET", b""
        raise BadAnswer("too many redirects")


def exchange(peer: PeerEndpoint, method: str, url: str, *, headers: dict[str, str], body: bytes = b"") -> Response:
    """One HTTP exchange with ``peer`` (redirects within its host included), all of it within
    ``peer.deadline`` seconds and at most ``peer.max_bytes`` of answer read.

    Raises ``DeadlineExceeded``, ``AnswerTooLarge`` (both ``PeerUnreachable``), ``PeerUnreachable``
    (refused, reset, a name that does not resolve) or ``BadAnswer`` (a redirect elsewhere).
    Any status comes back as a ``Response``: the adapter decides what a 4xx means."""
    headers = {**headers, "Accept-Encoding": "identity"}  # the cap counts the bytes on the wire
    try:
        return asyncio.run(asyncio.wait_for(_exchange(peer, method.upper(), url, headers, body), timeout=peer.deadline))
    except TimeoutError as exc:
        raise DeadlineExceeded(f"no whole answer within {peer.deadline:g} s") from exc
    except httpx.TimeoutException as exc:
        raise DeadlineExceeded(f"no whole answer within {peer.deadline:g} s") from exc
    except (httpx.HTTPError, OSError) as exc:
        raise PeerUnreachable(type(exc).__name__) from exc
