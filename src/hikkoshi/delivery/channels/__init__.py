"""The channels by name: ``get("web").send(outgoing)``.

Each channel is a module of this package with a class that has a ``name`` and a ``send``; it
registers itself with ``@register``. The modules are imported when the app is ready.
"""

from importlib import import_module

from .base import ChannelBackend, DeliveryError, Outcome, Outgoing

__all__ = ["register", "get", "names", "ChannelBackend", "DeliveryError", "Outcome", "Outgoing"]

_REGISTRY: dict[str, ChannelBackend] = {}
MODULES = ("window", "web", "email", "fax")


def register(cls):
    """Class decorator: one instance of ``cls`` serves every delivery of its channel."""
    _REGISTRY[cls.name] = cls()
    return cls


def get(name: str) -> ChannelBackend:
    if name not in _REGISTRY:
        _load()
    return _REGISTRY[name]


def names() -> list[str]:
    if not _REGISTRY:
        _load()
    return sorted(_REGISTRY)


def _load() -> None:
    for module in MODULES:
        import_module(f"{__name__}.{module}")
