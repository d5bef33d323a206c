"""The operator of this portal (運営者) as the pages show it: ``settings.HIKKOSHI_OPERATOR``.

The terms of use, the privacy policy and the contact and operators pages read it through the
``{% operator as op %}`` tag (``portal.templatetags.operator``); ``portal.checks`` names what a
production site has not set."""

from dataclasses import dataclass

from django.conf import settings

# What a site must say about itself before it goes live (checked by `check --deploy`).
REQUIRED = ("name", "address", "contact", "source_url")


@dataclass(frozen=True)
class Operator:
    name: str = ""
    address: str = ""
    representative: str = ""
    contact: str = ""
    contact_hours: str = ""
    members: str = ""
    source_url: str = ""
    court: str = ""
    terms_date: str = ""
    log_retention: str = ""
    demo: bool = False


def current() -> Operator:
    given = getattr(settings, "HIKKOSHI_OPERATOR", {}) or {}
    texts = {key: str(given.get(key) or "").strip() for key in Operator.__dataclass_fields__ if key != "demo"}
    return Operator(**texts, demo=bool(given.get("demo")))


def missing() -> list[str]:
    """The settings a live site must give that are empty (``HIKKOSHI_OPERATOR[...]`` keys)."""
    operator = current()
    return [key for key in REQUIRED if not getattr(operator, key)]
