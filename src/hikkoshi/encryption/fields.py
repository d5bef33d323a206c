"""``EncryptedJSONField``: a JSON value stored encrypted (暗号化して保存する JSON 項目).

In Python the field behaves as a ``JSONField`` (dicts, lists, strings, numbers, booleans;
``None`` is SQL NULL when ``null=True``). In the database it is a text column holding one
``hk1:`` token (``hikkoshi.encryption.crypto``) bound to ``<db_table>.<column>``; it is encrypted in
``get_prep_value`` and decrypted in ``from_db_value``. Every value is encrypted, the empty ones
({} [] "") too: the column does not tell which rows are empty (drafts at their first step,
erased moves), and every non-NULL value of the column is a token, which ``hikkoshi keys
rotate`` and the tests rely on.

Not queryable by content: each encryption has a fresh nonce, so the database cannot compare,
search, order or index these values. Every lookup and transform but ``isnull`` is refused with a
``FieldError`` (``Move.objects.filter(applicant__name=…)`` fails loudly instead of matching
nothing). Filter on clear columns and look at the values in Python.

``dumpdata`` writes the tokens (never the clear values) and ``loaddata`` reads them back; the
keys must be the same, and the table and column too.
"""

from __future__ import annotations

from collections.abc import Sequence
import json
from typing import TYPE_CHECKING, Any

from django import forms
from django.core import exceptions
from django.db import models
from django.db.models.fields.mixins import CheckFieldDefaultMixin
from django.utils.translation import gettext_lazy as _

from . import crypto

if TYPE_CHECKING:
    from django.db.models.lookups import Lookup, Transform
    from django_stubs_ext import StrOrPromise


def encrypt_json(value: object, context: str, encoder: type[json.JSONEncoder] | None = None) -> str:
    """``value`` as JSON, encrypted for ``context`` (``"table.column"``)."""
    text = json.dumps(value, cls=encoder, ensure_ascii=False, separators=(",", ":"))
    return crypto.encrypt(text.encode("utf-8"), context)


def decrypt_json(token: str, context: str, decoder: type[json.JSONDecoder] | None = None) -> Any:
    """The value of a token made by ``encrypt_json`` for the same context."""
    return json.loads(crypto.decrypt(token, context).decode("utf-8"), cls=decoder)


if TYPE_CHECKING:
    _Field = models.Field[Any, Any]  # any JSON value, as JSONField
else:  # Field is generic only for the type checker (or once django_stubs_ext has patched it)
    _Field = models.Field


class EncryptedJSONField(CheckFieldDefaultMixin, _Field):
    empty_strings_allowed = False
    description = _("A JSON value, encrypted at rest")
    default_error_messages = {"invalid": _("Value must be valid JSON.")}
    _default_hint = ("dict", "{}")

    def __init__(
        self,
        verbose_name: StrOrPromise | None = None,
        name: str | None = None,
        encoder: type[json.JSONEncoder] | None = None,
        decoder: type[json.JSONDecoder] | None = None,
        **kwargs: Any,
    ) -> None:
        if encoder and not callable(encoder):
            raise ValueError("The encoder parameter must be a callable object.")
        if decoder and not callable(decoder):
            raise ValueError("The decoder parameter must be a callable object.")
        self.encoder = encoder
        self.decoder = decoder
        super().__init__(verbose_name, name, **kwargs)

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        if self.encoder is not None:
            kwargs["encoder"] = self.encoder
        if self.decoder is not None:
            kwargs["decoder"] = self.decoder
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        return "TextField"

    @property
    def context(self) -> str:
        """The associated data of this column's tokens: ``<db_table>.<column>``."""
        return f"{self.model._meta.db_table}.{self.column}"

    # -- to and from the database --

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt_json(value, self.context, self.encoder)

    def from_db_value(self, value: str | None, expression: object, connection: object) -> Any:
        if value is None:
            return None
        return decrypt_json(value, self.context, self.decoder)

    def to_python(self, value: Any) -> Any:
        # A token comes from a fixture (loaddata); anything else is already the value.
        if crypto.is_token(value):
            return decrypt_json(value, self.context, self.decoder)
        return value

    # None for a NULL value, as JSONField's (whose stub says Any); serialisers pass no NULL here.
    def value_to_string(self, obj: models.Model) -> str | None:  # type: ignore[override]
        # Serialisers (dumpdata) write the token, never the clear value.
        return self.get_prep_value(self.value_from_object(obj))

    # -- not queryable by content --

    def get_lookup(self, lookup_name: str) -> type[Lookup] | None:
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, lookup_name: str) -> type[Transform] | None:
        return None

    # -- forms and validation, as JSONField --

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        super().validate(value, model_instance)
        try:
            json.dumps(value, cls=self.encoder)
        except TypeError:
            raise exceptions.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from None

    def formfield(self, **kwargs: Any) -> forms.Field | None:
        return super().formfield(
            **{"form_class": forms.JSONField, "encoder": self.encoder, "decoder": self.decoder, **kwargs}
        )
