"""窓口: nothing is sent; the printed form and what to bring are the result.

The mover takes the filled-in form to the counter of the office the procedure names (in
person): the procedure needs its office (``Procedure.office``), and its delivery is "in person"
from the start.
"""

from django.utils.translation import gettext_lazy as _, pgettext_lazy

from hikkoshi.channels import Channel

from .base import Outcome, Outgoing


class WindowChannel(Channel):
    name = "window"
    label = _("At the counter (printed form)")
    document_label = pgettext_lazy("document", "Counter")
    sends = False

    def send(self, outgoing: Outgoing) -> Outcome:
        return Outcome()


CHANNEL = WindowChannel
