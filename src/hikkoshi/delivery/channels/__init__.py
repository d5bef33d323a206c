"""The shipped channels, one module each: ``web``, ``email``, ``fax`` and ``window``.

Each module defines a subclass of ``hikkoshi.channels.Channel`` named ``CHANNEL`` and is
installed by naming it in ``settings.HIKKOSHI_CHANNELS``; the registry (``hikkoshi.channels``)
is the only list of channels. ``get("web").send(outgoing)`` hands an application over.
"""

from hikkoshi.channels import Channel, get, registry

from .base import DeliveryError, Outcome, Outgoing

__all__ = ["get", "names", "Channel", "DeliveryError", "Outcome", "Outgoing"]


def names() -> list[str]:
    """The installed channels' names, in the setting's order."""
    return registry().names()
