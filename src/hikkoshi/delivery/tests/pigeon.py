"""A channel that exists only for the tests: 伝書鳩, a carrier pigeon to the organisation's loft.

Installed by naming this module in ``HIKKOSHI_CHANNELS`` (``override_settings``), to show that a
channel is one module and its settings — nothing else in the code names it.
"""

from django.core.exceptions import ValidationError

from hikkoshi.channels import Channel, Setting
from hikkoshi.delivery.channels.base import Outcome

SENT: list[str] = []  # the idempotency keys of the applications sent
FORGOTTEN: list[str] = []


def validate_loft(value) -> None:
    if not str(value).startswith("loft-"):
        raise ValidationError("A loft is named loft-….")


class PigeonChannel(Channel):
    name = "pigeon"
    label = "Carrier pigeon"
    document_label = "Pigeon"
    settings_schema = (
        Setting("loft", "The organisation's loft.", validators=(validate_loft,)),
        Setting("ring", "The pigeon's ring.", required=False),
    )

    def send(self, outgoing):
        SENT.append(outgoing.idempotency_key)
        return Outcome(reference=f"PIGEON-{outgoing.delivery_id}")

    def forget(self, idempotency_key: str) -> int:
        FORGOTTEN.append(idempotency_key)
        return 1

    def stand_in_settings(self, *, procedure, organisation, stand_ins):
        return {"loft": f"loft-{stand_ins.mail_domain}"}


CHANNEL = PigeonChannel
