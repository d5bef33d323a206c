"""One HTTP exchange with another portal: a total deadline, a size cap, redirects kept home.

Both the signed client (``client``) and the adapters (``adapters.http``) call peers through
``exchange``:

- **Total deadline**: connecting, sending, every redirect and every byte of the answer together
  end within ``deadline`` seconds — not a time per read, so a peer trickling one byte a second,
  or accepting the connection and never answering, costs at most the deadline. The exchange
  runs as one ``asyncio`` task under ``asyncio.wait_for``, cancelled when time is up.
- **Size cap**: an answer announcing more than ``max_bytes`` (``Content-Length``) is refused
  before its body is read; one that does not say is read in chunks and dropped as soon as it
  passes the cap. ``Accept-Encoding: identity``: the cap (and a signature's digest) counts the
  bytes on the wire.
- **Redirects**: none are followed unless ``redirects`` allows some, and then only to the same
  scheme, host and port (a redirect elsewhere is ``BadAnswer``: a credential never leaves).

Called from synchronous code (a worker, a view, a command), never from a running event loop.
Nothing is logged here: the callers log what they did, without personal data.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import json
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from .errors import AnswerTooLarge, BadAnswer, DeadlineExceeded, PeerUnreachable

_REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes
    url: str = ""  # where the answer came from (after redirects)

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(parts.scheme)


async def _one(
    client: httpx.AsyncClient, method: str, url: str, headers: dict[str, str], body: bytes, cap: int, follow: bool
) -> tuple[int, dict[str, str], bytes]:
    async with client.stream(method, url, headers=headers, content=body or None) as answer:
        fields = {name.lower(): value for name, value in answer.headers.items()}
        if follow and answer.status_code in _REDIRECTS:
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


async def _exchange(
    method: str, url: str, headers: dict[str, str], body: bytes, max_bytes: int, deadline: float, redirects: int
) -> Answer:
    home = _origin(url)
    # httpx's own timeout is only a backstop; the deadline is wait_for's.
    async with httpx.AsyncClient(timeout=deadline, follow_redirects=False, trust_env=False) as client:
        for _hop in range(redirects + 1):
            if _origin(url) != home:
                raise BadAnswer("a redirect to another host is not followed")
            status, fields, data = await _one(client, method, url, headers, body, max_bytes, redirects > 0)
            if status not in _REDIRECTS or not redirects:
                return Answer(status, fields, data, url)
            url = urljoin(url, fields.get("location", ""))
            if status == 303 or (status in (301, 302) and method == "POST"):
                method, body = "GET", b""
        raise BadAnswer("too many redirects")


def exchange(
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    body: bytes = b"",
    max_bytes: int,
    deadline: float,
    redirects: int = 0,
) -> Answer:
    """One HTTP exchange (and at most ``redirects`` redirects on the same origin), all of it
    within ``deadline`` seconds and at most ``max_bytes`` of answer read.

    Raises ``DeadlineExceeded``, ``AnswerTooLarge`` (both ``PeerUnreachable``), ``PeerUnreachable``
    (refused, reset, a name that does not resolve) or ``BadAnswer`` (a redirect elsewhere, or
    more redirects than allowed). Any status comes back as an ``Answer``: the caller decides what
    a 4xx means."""
    headers = {**headers, "Accept-Encoding": "identity"}
    try:
        return asyncio.run(
            asyncio.wait_for(
                _exchange(method.upper(), url, headers, body, max_bytes, deadline, redirects), timeout=deadline
            )
        )
    except (TimeoutError, httpx.TimeoutException) as exc:
        raise DeadlineExceeded(f"no whole answer within {deadline:g} s") from exc
    except (httpx.HTTPError, OSError) as exc:
        raise PeerUnreachable(type(exc).__name__) from exc
