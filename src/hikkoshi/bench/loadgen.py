"""A closed-loop HTTP/1.1 load generator, run as its own process.

    python -m hikkoshi.bench.loadgen --url http://127.0.0.1:8001 --paths-file paths.txt \\
        --connections 32 --seconds 10 [--warmup 1] [--ok-status 200,404]

prints one JSON object: requests, errors, counts by status, throughput, latency percentiles and
the generator's own CPU time. Standard library only (it must not import Django) and cheap per
request, since on a 2-core machine the generator shares the CPUs with the server it measures.

Each of N connections sends a GET with ``Connection: close`` (gunicorn's sync workers close
after every response anyway), reads until the server closes, records the latency (from before
connect to the last byte), and starts the next request at once, cycling through the paths from
its own offset. Requests started during the warm-up are not recorded; no request starts after
the end, and one still unanswered ``--timeout`` seconds after its start counts as an error.
"""

import argparse
import array
from collections import Counter
import errno
import json
import math
import os
import resource
import select
import socket
import sys
import time
from urllib.parse import urlsplit


def percentile(sorted_values, q: float) -> float | None:
    """The nearest-rank ``q``-th percentile (0–100) of an ascending sequence; None if empty."""
    n = len(sorted_values)
    if not n:
        return None
    if not 0 <= q <= 100:
        raise ValueError("q must lie between 0 and 100")
    rank = math.ceil(q / 100 * n)
    return sorted_values[min(max(rank, 1), n) - 1]


def summarise(latencies, elapsed: float) -> dict:
    """Throughput and latency figures (ms) of the recorded latencies (seconds)."""
    values = sorted(latencies)

    def ms(v):
        return None if v is None else round(v * 1000, 3)

    return {
        "requests": len(values),
        "elapsed": round(elapsed, 4),
        "throughput": round(len(values) / elapsed, 2) if elapsed > 0 else 0.0,
        "p50_ms": ms(percentile(values, 50)),
        "p90_ms": ms(percentile(values, 90)),
        "p99_ms": ms(percentile(values, 99)),
        "max_ms": ms(values[-1] if values else None),
        "mean_ms": ms(sum(values) / len(values) if values else None),
    }


def _status_of(response: bytes) -> str:
    # "HTTP/1.1 200 OK\r\n…"
    head = response[:16].split(b" ", 2)
    if len(head) >= 2 and head[0].startswith(b"HTTP/") and head[1].isdigit():
        return head[1].decode()
    return "bad-response" if response else "empty-response"


class _Poller:
    """``select.epoll`` where there is one, else ``select.poll``, with a timeout in seconds."""

    def __init__(self):
        if hasattr(select, "epoll"):
            self._p, self._scale = select.epoll(), 1.0
        else:
            self._p, self._scale = select.poll(), 1000.0
        self.register, self.modify, self.unregister = (self._p.register, self._p.modify, self._p.unregister)

    def poll(self, timeout: float):
        return self._p.poll(timeout * self._scale)

    def close(self):
        getattr(self._p, "close", lambda: None)()


_IN, _OUT = select.POLLIN, select.POLLOUT
_DONE_EVENTS = select.POLLHUP | select.POLLERR


class _Slot:
    """One connection slot: the request in flight on it."""

    __slots__ = ("index", "sock", "start", "pending", "chunks")

    def __init__(self, index: int):
        self.index = index
        self.sock: socket.socket | None = None
        self.start = 0.0
        self.pending = b""
        self.chunks: list[bytes] = []


def _load(host, port, requests, connections, seconds, warmup, ok, timeout):
    """The event loop: every slot starts its next request as soon as the last one ends."""
    perf = time.perf_counter
    poller = _Poller()
    latencies = array.array("d")
    statuses = Counter()
    errors = warmup_requests = nbytes = 0
    n = len(requests)
    slots = [_Slot((c * n) // connections) for c in range(connections)]
    by_fd: dict[int, _Slot] = {}
    addr = (host, port)
    begin = perf()
    record_from = begin + warmup
    stop_at = record_from + seconds
    hard_stop = stop_at + timeout + 1
    last_end = record_from
    next_timeout_scan = begin + 0.1

    def start(slot: _Slot, now: float) -> None:
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        slot.sock, slot.start, slot.chunks = sock, now, []
        slot.pending = requests[slot.index % n]
        slot.index += 1
        fd = sock.fileno()
        by_fd[fd] = slot
        try:
            err = sock.connect_ex(addr)
            if err not in (0, errno.EINPROGRESS, errno.EAGAIN):
                raise OSError(err, os.strerror(err))
            # On the loopback the handshake is usually over already: try to send at once.
            wait_out = _send(slot)
        except OSError as exc:
            finish(slot, _error_name(exc), now)
            return
        poller.register(fd, _OUT if wait_out else _IN)

    def _send(slot: _Slot) -> bool:
        """Send what is left of the request; True if some of it must wait."""
        assert slot.sock is not None  # a slot sends once connected
        try:
            sent = slot.sock.send(slot.pending)
        except (BlockingIOError, InterruptedError):
            return True
        except OSError as exc:
            if exc.errno == errno.ENOTCONN:
                return True
            raise
        slot.pending = slot.pending[sent:]
        return bool(slot.pending)

    def finish(slot: _Slot, status: str, now: float) -> None:
        nonlocal errors, warmup_requests, nbytes, last_end
        assert slot.sock is not None  # a slot finishes once connected
        fd = slot.sock.fileno()
        try:
            poller.unregister(fd)
        except (KeyError, ValueError, OSError):
            pass  # it failed before it was registered
        del by_fd[fd]
        slot.sock.close()
        slot.sock = None
        if slot.start < record_from:
            warmup_requests += 1
        else:
            statuses[status] += 1
            if status.isdigit():
                latencies.append(now - slot.start)
                nbytes += sum(map(len, slot.chunks))
                if now > last_end:
                    last_end = now
            if status not in ok:
                errors += 1
        slot.chunks = []
        if now < stop_at:
            if status.isdigit():
                start(slot, now)
            else:
                retry.append((now + 0.01, slot))  # refused or reset: do not spin

    retry: list[tuple[float, _Slot]] = []
    try:
        for slot in slots:
            start(slot, perf())
        while by_fd or retry:
            events = poller.poll(0.05)
            for fd, ev in events:
                slot = by_fd.get(fd)
                if slot is None:
                    continue
                sock = slot.sock
                try:
                    if slot.pending:
                        err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                        if err:
                            raise OSError(err, os.strerror(err))
                        if not _send(slot):
                            poller.modify(fd, _IN)
                        elif ev & _DONE_EVENTS:
                            finish(slot, "connection-failed", perf())
                        continue
                    # One read per wake-up: the poll is level-triggered, so it reports the
                    # socket again at once if more is waiting.
                    data = sock.recv(65536)
                    if data:
                        slot.chunks.append(data)
                        continue
                except (BlockingIOError, InterruptedError):
                    if not ev & _DONE_EVENTS:
                        continue
                    finish(slot, "reset-by-peer", perf())
                    continue
                except OSError as exc:
                    finish(slot, _error_name(exc), perf())
                    continue
                finish(slot, _status_of(slot.chunks[0] if slot.chunks else b""), perf())
            now = perf()
            if retry:
                due = [item for item in retry if item[0] <= now]
                retry[:] = [item for item in retry if item[0] > now]
                for _, slot in due:
                    if now < stop_at:
                        start(slot, now)
            if now >= next_timeout_scan:
                next_timeout_scan = now + 0.1
                for slot in [s for s in by_fd.values() if now - s.start > timeout]:
                    finish(slot, "timeout", now)
            if now > hard_stop:  # only if something above is wrong
                for slot in list(by_fd.values()):
                    finish(slot, "timeout", now)
                break
    finally:
        for slot in list(by_fd.values()):
            slot.sock.close()
        poller.close()
    return {
        "latencies": latencies,
        "statuses": statuses,
        "errors": errors,
        "bytes": nbytes,
        "warmup_requests": warmup_requests,
        "record_from": record_from,
        "last_end": last_end,
    }


def _error_name(exc: OSError) -> str:
    if exc.errno is not None and exc.errno in errno.errorcode:
        return errno.errorcode[exc.errno]
    return type(exc).__name__


def run_load(
    host: str,
    port: int,
    paths: list[str],
    *,
    connections: int = 32,
    seconds: float = 10.0,
    warmup: float = 0.0,
    ok_statuses=(200,),
    timeout: float = 10.0,
) -> tuple[dict, array.array]:
    """Load one server; returns the summary and the recorded latencies (seconds)."""
    if not paths:
        raise ValueError("no paths to request")
    if connections < 1 or seconds <= 0:
        raise ValueError("need at least one connection and a positive duration")
    hostport = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    requests = [
        (
            f"GET {p} HTTP/1.1\r\nHost: {hostport}\r\nUser-Agent: hikkoshi-bench\r\n"
            "Accept: application/json\r\nConnection: close\r\n\r\n"
        ).encode("ascii")
        for p in paths
    ]
    ok = frozenset(str(s) for s in ok_statuses)
    cpu0 = _cpu_seconds()
    r = _load(host, port, requests, connections, seconds, warmup, ok, timeout)
    cpu = _cpu_seconds() - cpu0
    latencies = r["latencies"]
    elapsed = max(r["last_end"] - r["record_from"], 1e-9) if latencies else seconds
    result = summarise(latencies, elapsed)
    result.update(
        connections=connections,
        seconds=seconds,
        warmup=warmup,
        warmup_requests=r["warmup_requests"],
        errors=r["errors"],
        statuses=dict(sorted(r["statuses"].items())),
        bytes_mean=round(r["bytes"] / len(latencies), 1) if latencies else None,
        cpu_seconds=round(cpu, 3),
        # Share of one core the generator used over the whole run (warm-up included).
        cpu_share=round(cpu / (warmup + elapsed), 3),
        cpu_ms_per_request=round(1000 * cpu / max(1, len(latencies) + r["warmup_requests"]), 4),
    )
    return result, latencies


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hikkoshi.bench.loadgen", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="http://HOST:PORT[/path]")
    parser.add_argument("--paths-file", help="one path (with query) a line; default: the URL's")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=0.0)
    parser.add_argument("--ok-status", default="200", help="comma-separated, e.g. 200,404")
    parser.add_argument("--timeout", type=float, default=10.0, help="per request")
    parser.add_argument("--latencies-out", help="write the latencies (float64 seconds) here")
    args = parser.parse_args(argv)

    url = urlsplit(args.url)
    if url.scheme != "http" or not url.hostname:
        parser.error("--url must be http://HOST:PORT…")
    if args.paths_file:
        with open(args.paths_file, encoding="ascii") as f:
            paths = [line.strip() for line in f if line.strip()]
    else:
        paths = [(url.path or "/") + (f"?{url.query}" if url.query else "")]
    ok = [s.strip() for s in args.ok_status.split(",") if s.strip()]
    result, latencies = run_load(
        url.hostname,
        url.port or 80,
        paths,
        connections=args.connections,
        seconds=args.seconds,
        warmup=args.warmup,
        ok_statuses=ok,
        timeout=args.timeout,
    )
    result["url"] = f"http://{url.hostname}:{url.port or 80}"
    result["paths"] = len(paths)
    if args.latencies_out:
        with open(args.latencies_out, "wb") as f:
            latencies.tofile(f)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
