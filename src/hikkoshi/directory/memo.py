"""A bounded memo (least recently used out first) for the directory's per-process caches.

``functools.lru_cache`` memoises a function; the directory needs plain mappings that belong to
one snapshot and are dropped with it, sized in settings (``HIKKOSHI_DIRECTORY_CACHE``), so a
worker's memory stays flat however many distinct places are asked for.
"""

from collections import OrderedDict
import threading

_MISSING = object()


class BoundedMemo:
    """A mapping that keeps at most ``size`` entries, dropping the least recently used.

    Safe to share between threads (a delivery worker's threads read the directory too)."""

    __slots__ = ("size", "_data", "_lock")

    def __init__(self, size: int):
        self.size = max(1, int(size))
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            value = self._data.get(key, _MISSING)
            if value is _MISSING:
                return default
            self._data.move_to_end(key)
            return value

    def __setitem__(self, key, value) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __contains__(self, key) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        self._data.clear()
