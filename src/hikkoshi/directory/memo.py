"""A bounded memo (least recently used out first) for the directory's per-process caches.

``functools.lru_cache`` memoises a function; the directory needs plain mappings that belong to
one snapshot and are dropped with it, sized in settings (``HIKKOSHI_DIRECTORY_CACHE``), so a
worker's memory stays flat however many distinct places are asked for.
"""

from collections import OrderedDict

_MISSING = object()


class BoundedMemo:
    """A mapping that keeps at most ``size`` entries, dropping the least recently used."""

    __slots__ = ("size", "_data")

    def __init__(self, size: int):
        self.size = max(1, int(size))
        self._data: OrderedDict = OrderedDict()

    def get(self, key, default=None):
        value = self._data.get(key, _MISSING)
        if value is _MISSING:
            return default
        self._data.move_to_end(key)
        return value

    def __setitem__(self, key, value) -> None:
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
