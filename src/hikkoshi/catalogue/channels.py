"""What each channel needs in its settings, checked when a procedure is saved.

The delivery itself is another app's work; here the choice and its settings are stored and
validated, so a procedure cannot be saved with a channel it could never be sent by.
"""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from hikkoshi.directory.validators import validate_contact

from .constants import Channel

REQUIRED = {
    Channel.WEB: ("endpoint",),
    Channel.EMAIL: ("to",),
    Channel.FAX: ("fax_number",),
    Channel.WINDOW: (),
}


def is_configured(channel: str, settings: dict) -> bool:
    """Whether every setting the channel needs is there (a sample's may not be)."""
    return all(settings.get(key) for key in REQUIRED.get(channel, ()))


def validate_channel_settings(channel: str, settings: dict) -> list[str]:
    """Problems with a channel's settings, as messages (empty when fine)."""
    if not isinstance(settings, dict):
        return [_("Expected an object.")]
    problems = []
    for key in REQUIRED.get(channel, ()):
        # Shipped sample procedures whose real destination was not found in a public source
        # say so ("sample": true); the operator sets it, and nothing is sent until then.
        if not settings.get(key) and not settings.get("sample"):
            problems.append(_("The %(channel)s channel needs “%(key)s”.") % {"channel": channel, "key": key})
    try:
        if settings.get("endpoint"):
            URLValidator(schemes=["http", "https"])(settings["endpoint"])
        if settings.get("to"):
            validate_email(settings["to"])
        if settings.get("fax_number"):
            validate_contact("fax", settings["fax_number"])
    except ValidationError as exc:
        problems.extend(exc.messages)
    return problems
