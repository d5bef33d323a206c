"""A progress bar for long commands on the console (imports of a nationwide directory).

Drawn on one line of a terminal, redrawn at most ten times a second; nothing is written when
the stream is not a terminal (a log file or a pipe gets only the command's result).
"""

import time
from typing import Protocol, cast

from django.core.management.base import OutputWrapper


class Stream(Protocol):
    """Where the bar is drawn: a text stream (a terminal's is a tty, seen through ``isatty``
    when it has one)."""

    def write(self, text: str, /) -> object: ...
    def flush(self) -> object: ...


class ProgressBar:
    """``bar(stage, done, total)`` redraws ``stage [#####-----] done/total``; ``bar.close()``
    ends the line.

    A management command passes its ``self.stderr``: the bar draws on the stream under it, as
    the wrapper's own ``write`` would end every redraw with a newline."""

    WIDTH = 30

    def __init__(self, stream: Stream | OutputWrapper, *, interval: float = 0.1) -> None:
        if isinstance(stream, OutputWrapper):
            stream = cast(Stream, stream._out)  # not in django-stubs: the wrapped stream
        self.stream: Stream = stream
        self.enabled = bool(getattr(stream, "isatty", lambda: False)())
        self.interval = interval
        self._drawn_at = 0.0
        self._last: tuple[str, int, int] | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        finished = total and done >= total
        if not finished and stage == (self._last or ("",))[0] and now - self._drawn_at < self.interval:
            return
        if self._last and self._last[0] != stage:
            self.stream.write("\n")
        filled = round(self.WIDTH * done / total) if total else 0
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\r{stage:<9} [{bar}] {done:,}/{total:,}")
        self.stream.flush()
        self._drawn_at, self._last = now, (stage, done, total)

    def close(self) -> None:
        if self.enabled and self._last:
            self.stream.write("\n")
            self.stream.flush()
        self._last = None
