"""The cost of counting a search, measured in one process without the network (``bench search``).

Throughput over HTTP on a shared machine varies by more than the 5 % the statistics may cost,
so ``bench search`` also measures the same search answered in one process through the WSGI
application, with counting on and off in turns (``HIKKOSHI_STATS``), as CPU time per request
(``time.process_time``: other processes' work does not count in it). A CPU-bound server's
throughput is inversely proportional to it, so the ratio off ÷ on is the throughput kept with
counting: the median of the rounds' ratios, each round a pass of each, one after the other.
Run as ``python -m hikkoshi.bench.counting PATHS_FILE ROUNDS`` in the served environment; prints
one JSON object.
"""

import io
import json
from pathlib import Path
import statistics
import sys
import time

PASSES_OF_PATHS = 3  # each pass asks every path this many times (about 0.3 s of CPU a pass)


def _environ(path: str) -> dict:
    path_info, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1:8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }


def measure(paths: list[str], rounds: int) -> dict:
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    from hikkoshi.stats import counting

    application = get_wsgi_application()  # what hikkoshi.wsgi serves

    def start_response(status, headers, exc_info=None):
        return None

    def one_pass() -> float:
        started = time.process_time()
        for path in paths:
            b"".join(application(_environ(path), start_response))
        return (time.process_time() - started) / len(paths) * 1e6

    one_pass()  # warm: the directory's index, the memos, the postal data's pages
    per_request: dict[bool, list[float]] = {True: [], False: []}
    pairs = []  # each round's two passes, one after the other: off ÷ on
    for n in range(rounds):
        for on in (True, False) if n % 2 == 0 else (False, True):
            settings.HIKKOSHI_STATS = on
            per_request[on].append(one_pass())
        pairs.append(per_request[False][-1] / per_request[True][-1])
    counted = counting.pending()
    counting.discard()
    counting_us, quiet_us = statistics.median(per_request[True]), statistics.median(per_request[False])
    return {
        "cpu_us_per_request_counting": round(counting_us, 1),
        "cpu_us_per_request_not_counting": round(quiet_us, 1),
        "rounds": rounds,
        "requests_per_pass": len(paths),
        "counted": counted,
        "round_ratios": [round(r, 4) for r in pairs],
        # The median of the rounds' ratios: two passes of one round ran under the same load.
        "ratio": round(statistics.median(pairs), 4),
    }


def main() -> None:
    import django

    django.setup()
    paths = Path(sys.argv[1]).read_text(encoding="ascii").split() * PASSES_OF_PATHS
    print(json.dumps(measure(paths, int(sys.argv[2]))))


if __name__ == "__main__":
    main()
