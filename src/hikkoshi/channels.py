"""Channels as plugins: how an application reaches its organisation (申請ラッピング).

A channel is one module named in ``settings.HIKKOSHI_CHANNELS`` (dotted module paths, imported
when a channel is first asked for, as Django imports ``EMAIL_BACKEND``). The module defines a
subclass of ``Channel`` and names it ``CHANNEL``; everything the portal knows about a channel —
its name, its labels, whether it sends anything, its settings and their checks, its clean-up,
how the demo sandbox and the delivery bench point it at their stand-ins, and ``send`` — is
declared there. The registry built from the setting is the only list of channels: the
procedures' and deliveries' choices, the admin, the documents, the pages, the sandbox and the
bench all read it.

This module is a shared library: the base class, the registry and the lookups, with no models
and no app of its own; it imports no hikkoshi app (the shipped channel modules live in
``hikkoshi.delivery.channels``). Migrations refer to ``choices`` by its dotted path: keep it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
import re
from typing import Any, ClassVar

from django.core.checks import CheckMessage
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from hikkoshi import plugins

SETTING = "HIKKOSHI_CHANNELS"
# A channel's name is stored with every procedure and delivery (``max_length=10`` there).
NAME = re.compile(r"[a-z][a-z0-9_]{0,9}")

Label = str | Promise


@dataclass(frozen=True)
class Setting:
    """One key of a channel's settings (a procedure's ``channel_settings``)."""

    key: str
    help: Label  # what to put there, for the admin (gettext_lazy)
    required: bool = True  # a shipped sample (``"sample": true``) may leave it out until it is known
    # Each is called with the value when there is one and raises ``ValidationError``.
    validators: tuple[Callable[[Any], None], ...] = ()


@dataclass(frozen=True)
class StandIns:
    """Where the stand-ins of the organisations' side listen: the provider sandbox of
    ``hikkoshi demo`` and the delivery bench (``Channel.stand_in_settings``)."""

    receiver_url: Callable[[str], str]  # a path → its URL at the stand-in receiver (web applications)
    mail_domain: str  # mail to any address at this domain reaches the SMTP sink
    fax_number: str  # a number the fax gateway turns into an address at the SMTP sink


class Channel:
    """One channel. A module subclasses it, sets the class attributes and overrides the hooks
    that apply, and names the class ``CHANNEL``; one instance serves every procedure and every
    delivery of the channel, from any thread, so it keeps no state of its own.

    The portal's pages read the declarations of every channel: keep the module cheap to import
    (import what only ``send`` needs inside it).
    """

    # Stored with every procedure and delivery: lower-case, at most 10 characters, never
    # changed once used.
    name: ClassVar[str] = ""
    # The choice in the admin (gettext_lazy).
    label: ClassVar[Label] = ""
    # The short name the documents and pages give it (pgettext_lazy("document", …)); its Japanese
    # translation is the fixed name on the forms organisations receive (``japanese_label``).
    document_label: ClassVar[Label] = ""
    # False: nothing is sent; the mover takes the printed form to the counter (in person, 窓口),
    # at the office the procedure names.
    sends: ClassVar[bool] = True
    # The keys of its settings (a procedure's ``channel_settings``).
    settings_schema: ClassVar[tuple[Setting, ...]] = ()

    def validate_settings(self, settings: object) -> list[str]:
        """Problems with a procedure's settings for this channel, as messages (empty: fine).

        Checked when a procedure is saved (the admin, the catalogue import). A required key may
        be missing from a shipped sample procedure (``"sample": true``): its real destination
        was not found in a public source, the operator sets it, and nothing is sent until then.
        Override to check more, calling this first. ``settings`` is as stored (JSON): what is
        not an object is a problem too."""
        if not isinstance(settings, Mapping):
            return [_("Expected an object.")]
        problems: list[str] = []
        for setting in self.settings_schema:
            value = settings.get(setting.key)
            if not value:
                if setting.required and not settings.get("sample"):
                    problems.append(
                        _("The %(channel)s channel needs “%(key)s”.") % {"channel": self.name, "key": setting.key}
                    )
                continue
            for validator in setting.validators:
                try:
                    validator(value)
                except ValidationError as exc:
                    problems.extend(exc.messages)
                    break
        return problems

    def is_configured(self, settings: object) -> bool:
        """Whether every setting the channel needs is there (a sample's may not be)."""
        return isinstance(settings, Mapping) and all(settings.get(s.key) for s in self.settings_schema if s.required)

    # ``outgoing`` and the outcome are typed by the channel modules (``Outgoing`` → ``Outcome`` of
    # ``hikkoshi.delivery.channels``), which this library, below every app, does not import.
    def send(self, outgoing: Any) -> Any:
        """Hand one application over (``hikkoshi.delivery.channels.Outgoing``): return an
        ``Outcome`` or raise ``DeliveryError`` (``retryable`` when another try can help).

        Called by the outbox outside any transaction; it never touches the database and logs
        no personal data. Every attempt of one delivery carries the same idempotency key: an
        organisation (or a gateway) must be able to tell a second attempt from a new application.
        """
        raise NotImplementedError(f"the {self.name} channel sends nothing")

    def send_notice(self, outgoing: Any) -> Any:
        """Hand over a withdrawal or correction of an application this channel delivered
        (``hikkoshi.delivery.notices.NoticeOutgoing``), or raise ``DeliveryError`` — with the
        code ``already_processed`` when the organisation says it has processed the application."""
        raise NotImplementedError(f"the {self.name} channel sends no notices")

    def forget(self, idempotency_key: str) -> int:
        """Remove what this channel left outside the database for one delivery (files holding
        personal data), once the move is deleted or erased; the number of things removed."""
        return 0

    def stand_in_settings(self, *, procedure: str, organisation: str, stand_ins: StandIns) -> dict[str, Any]:
        """Settings that send a procedure (its slug, its organisation's slug) to the stand-ins
        of ``stand_ins`` instead of the organisation; empty for a channel that sends nothing."""
        return {}

    def deploy_checks(self, procedures: Sequence[tuple[str, Mapping[str, Any]]]) -> list[CheckMessage]:
        """Problems of a production set-up (``hikkoshi manage check --deploy``) as Django check
        messages; ``procedures``: (slug, settings) of the procedures that use this channel."""
        return []

    def __repr__(self) -> str:
        return f"<channel {self.name}>"


class Registry(plugins.Registry[Channel]):
    """Channels by name, in the order they were registered; a name is taken once."""

    kind = plugins.Kind(
        noun="channel",
        base=Channel,
        attribute="CHANNEL",
        setting=SETTING,
        name=NAME,
        name_rule="lower-case letters, digits and _, at most 10 characters",
    )

    def __init__(self, channels: Sequence[Channel | type[Channel]] = ()) -> None:
        self._japanese: dict[str, str] = {}
        super().__init__(channels)

    def choices(self) -> list[tuple[str, Label]]:
        return [(c.name, c.label) for c in self]

    def japanese_label(self, name: str) -> str:
        if name not in self._japanese:
            channel = self.find(name)
            if channel is None:
                return name
            with translation.override("ja"):
                self._japanese[name] = str(channel.document_label)
        return self._japanese[name]


# The installed channels: the modules of ``settings.HIKKOSHI_CHANNELS``, imported once (again
# when the setting changes, as in a test's ``override_settings``).
registry = plugins.Installed(Registry)


def get(name: str) -> Channel:
    """The channel of this name; ``LookupError`` when none is installed."""
    return registry().get(name)


def choices() -> list[tuple[str, Label]]:
    """The choices of ``Procedure.channel`` and ``Delivery.channel`` (a callable, so a new
    channel needs no migration)."""
    return registry().choices()


def in_person(name: str) -> bool:
    """Whether a procedure of this channel is taken to the counter by the mover (nothing is
    sent); False for a channel that is not installed."""
    channel = registry().find(name)
    return channel is not None and not channel.sends


def document_label(name: str) -> Label:
    """The channel as the documents and pages name it, in the active language."""
    channel = registry().find(name)
    return channel.document_label if channel is not None else name


def japanese_label(name: str) -> str:
    """The channel as the forms organisations receive name it, always in Japanese (窓口, FAX…)."""
    return registry().japanese_label(name)


def validate_settings(name: str, settings: object) -> list[str]:
    """Problems with a procedure's channel settings (none for a channel not installed: the
    choice itself is refused then)."""
    channel = registry().find(name)
    if channel is None:
        return [] if isinstance(settings, Mapping) else [_("Expected an object.")]
    return channel.validate_settings(settings)
