"""窓口: nothing is sent; the printed form and what to bring are the result."""

from . import register
from .base import Outcome, Outgoing


@register
class WindowChannel:
    name = "window"

    def send(self, outgoing: Outgoing) -> Outcome:
        return Outcome()
