"""``EncryptedJSONField``: a JSON value stored encrypted (暗号化して保存する JSON 項目), bound to its row.

In Python the field behaves as a ``JSONField`` (dicts, lists, strings, numbers, booleans;
``None`` is SQL NULL when ``null=True``). In the database it is a text column holding one
``hk2:`` token (``hikkoshi.encryption.crypto``) whose associated data names the table, the column
and the row: a token copied into another row, column or table does not decrypt
(``DecryptionError``, never another row's data). Every value is encrypted, the empty ones
({} [] "") too: the column does not tell which rows are empty (drafts at their first step,
erased moves), and every non-NULL value of the column is a token, which ``hikkoshi keys
rotate`` and the tests rely on.

The row (``row_key``): a value must be sealed before its row is inserted, so the row is named by
fields whose values are known before the insert, never change and identify the row —
``row_key="public_id"`` (a UUID made in Python), a primary key set in Python (the default,
``row_key=None``: the primary key), a one-to-one parent (``"move"``) or the fields of a unique
constraint (``("move", "version")``). A primary key the database makes (``AutoField``) is not
known before the insert: the system check refuses it (rather than sealing after the insert in a
second write, which a crash between the two would leave unreadable, or adding a column to every
table). The row is ``json.dumps`` of those fields' values as text.

Reading is lazy: ``from_db_value`` keeps the token (``Sealed``), and the attribute opens it on
first use with the instance's row key (a list that shows no personal data decrypts nothing).
Saving seals each value with the instance's row key (``pre_save``; ``bulk_create`` too); a value
never opened is written back as it was when it is already bound to its row under the first key,
else opened and sealed again (any save upgrades what it writes). ``values()`` and
``values_list()`` give ``Sealed`` objects, not values: read model instances (``only()``).

Writing without an instance: ``queryset.update(field=value)`` knows no row, so it takes a value
sealed for the row it writes (``bound(instance, "field", value)``: one row), and
``update_rows(queryset, field=value, …)`` writes each row its own token (one ``bulk_update``).
The column's default alone may be written without a row (a migration's default for the rows of a
new column, an erasure's ``{}``): it holds nothing secret, is stored column-bound (``hk1``) and
``keys rotate`` binds it; any other value without a row is refused (``ValueError``).

Tokens stored before rows were bound (``hk1``, bound to ``<db_table>.<column>``) are still read;
``hikkoshi keys rotate`` rewrites them bound to their rows, and so does any save of the row.

Not queryable by content: each encryption has a fresh nonce, so the database cannot compare,
search, order or index these values. Every lookup and transform but ``isnull`` is refused with a
``FieldError`` (``Move.objects.filter(applicant__name=…)`` fails loudly instead of matching
nothing). Filter on clear columns and look at the values in Python.

``dumpdata`` writes the tokens (never the clear values) and ``loaddata`` writes them back as
they are; the keys must be the same, and the table, column and row keys too.
"""

from __future__ import annotations

from collections.abc import Sequence
import json
from typing import TYPE_CHECKING, Any

from django import forms
from django.core import checks, exceptions
from django.db import models
from django.db.models.fields import AutoFieldMixin
from django.db.models.fields.mixins import CheckFieldDefaultMixin
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import gettext_lazy as _

from . import crypto

if TYPE_CHECKING:
    from django.db.models.lookups import Lookup, Transform
    from django_stubs_ext import StrOrPromise


def encrypt_json(
    value: object, context: str, encoder: type[json.JSONEncoder] | None = None, row: str | None = None
) -> str:
    """``value`` as JSON, encrypted for ``context`` (``"table.column"``) and ``row`` (None: the
    column only)."""
    text = json.dumps(value, cls=encoder, ensure_ascii=False, separators=(",", ":"))
    return crypto.encrypt(text.encode("utf-8"), context, row)


def decrypt_json(
    token: str, context: str, decoder: type[json.JSONDecoder] | None = None, row: str | None = None
) -> Any:
    """The value of a token made by ``encrypt_json`` for the same context (and row)."""
    return json.loads(crypto.decrypt(token, context, row).decode("utf-8"), cls=decoder)


class Sealed:
    """A token as read from the database, not opened yet: the field's attribute opens it with
    its instance's row key on first use. ``values()`` / ``values_list()`` give these."""

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {crypto.token_kid(self.token)!r}>"  # never the token

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)


class Bound(Sealed):
    """A token sealed for its row, to be written as it is: what ``pre_save`` gives the database,
    what ``bound`` gives ``queryset.update()``, what ``loaddata`` reads. The attribute does not
    open it."""

    __slots__ = ()


class _OpeningAttribute(DeferredAttribute):
    """The field's attribute: loads a deferred value, and opens a ``Sealed`` one with the row."""

    field: EncryptedJSONField

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if type(value) is Sealed:
            value = self.field.open(value, instance)
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        # A data descriptor (the value stays in the instance's __dict__, where Django looks for
        # loaded fields), so that __get__ sees every read.
        instance.__dict__[self.field.attname] = value


if TYPE_CHECKING:
    _Field = models.Field[Any, Any]  # any JSON value, as JSONField
else:  # Field is generic only for the type checker (or once django_stubs_ext has patched it)
    _Field = models.Field


class EncryptedJSONField(CheckFieldDefaultMixin, _Field):
    empty_strings_allowed = False
    description = _("A JSON value, encrypted at rest")
    default_error_messages = {"invalid": _("Value must be valid JSON.")}
    _default_hint = ("dict", "{}")
    descriptor_class = _OpeningAttribute

    def __init__(
        self,
        verbose_name: StrOrPromise | None = None,
        name: str | None = None,
        encoder: type[json.JSONEncoder] | None = None,
        decoder: type[json.JSONDecoder] | None = None,
        row_key: str | tuple[str, ...] | None = None,
        **kwargs: Any,
    ) -> None:
        if encoder and not callable(encoder):
            raise ValueError("The encoder parameter must be a callable object.")
        if decoder and not callable(decoder):
            raise ValueError("The decoder parameter must be a callable object.")
        self.encoder = encoder
        self.decoder = decoder
        self.row_key = row_key
        super().__init__(verbose_name, name, **kwargs)

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        if self.encoder is not None:
            kwargs["encoder"] = self.encoder
        if self.decoder is not None:
            kwargs["decoder"] = self.decoder
        if self.row_key is not None:
            kwargs["row_key"] = self.row_key
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        return "TextField"

    @property
    def context(self) -> str:
        """The column of this field's tokens: ``<db_table>.<column>``."""
        return f"{self.model._meta.db_table}.{self.column}"

    # -- the row --

    @property
    def row_key_fields(self) -> list[models.Field[Any, Any]]:
        """The fields that name a value's row (``row_key``; None: the primary key)."""
        meta = self.model._meta
        if self.row_key is None:
            return [meta.pk] if meta.pk is not None else []
        names = (self.row_key,) if isinstance(self.row_key, str) else self.row_key
        return [meta.get_field(name) for name in names]  # type: ignore[misc]

    def row_of(self, values: Sequence[Any]) -> str:
        """The row (associated data) from the values of the row key fields, in their order: as
        the instance holds them or as the database gives them (a UUID as text too)."""
        fields = self.row_key_fields
        if any(value is None for value in values):
            names = ", ".join(f.name for f in fields)
            raise ValueError(f"{self.context}: the row key ({names}) is not set: a value is sealed for its row")
        return json.dumps([str(f.to_python(v)) for f, v in zip(fields, values)], separators=(",", ":"))

    @property
    def column_bound(self) -> bool:
        """No row to bind to: the primary key by default and the database makes it. The models
        never are (the system check refuses it); a migration's historical model of a table from
        before its rows were bound is (no ``row_key`` then): it seals for the column (``hk1``),
        as the code of that time did, and reads such tokens; ``keys rotate`` binds them later."""
        if self.row_key is not None:
            return False
        pk = self.model._meta.pk
        return pk is None or isinstance(pk, AutoFieldMixin)

    def row(self, instance: models.Model) -> str | None:
        if self.column_bound:
            return None
        return self.row_of([getattr(instance, f.attname) for f in self.row_key_fields])

    def open(self, sealed: Sealed, instance: models.Model) -> Any:
        """The value of a token read from ``instance``'s row."""
        return decrypt_json(sealed.token, self.context, self.decoder, self.row(instance))

    def seal(self, value: Any, instance: models.Model) -> Bound:
        """``value`` sealed for ``instance``'s row and this column."""
        return Bound(encrypt_json(value, self.context, self.encoder, self.row(instance)))

    # -- to and from the database --

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        attname = self.attname
        value = (
            model_instance.__dict__[attname] if attname in model_instance.__dict__ else getattr(model_instance, attname)
        )
        if value is None:
            return None
        if type(value) is Bound:
            return value
        if type(value) is Sealed:
            # Not opened: written back as it is if it is bound to this row under the first key
            # (rows keep their row keys), else opened (with this row: a copied row fails) and
            # sealed again.
            token = value.token
            if not add and crypto.is_row_bound(token) and crypto.token_kid(token) == crypto.keyring().primary:
                return Bound(token)
            value = self.open(value, model_instance)
        return self.seal(value, model_instance)

    def get_prep_value(self, value: Any) -> str | None:
        if isinstance(value, Sealed):
            return value.token
        value = super().get_prep_value(value)
        if value is None:
            return None
        if self.has_default() and value == self.get_default():
            # No row here (a migration's default for a new column, an update()): the default
            # holds nothing secret; column-bound, and ``keys rotate`` binds it.
            return encrypt_json(value, self.context, self.encoder)
        raise ValueError(
            f"{self.context}: an encrypted value is sealed for its row: save() the instance, or "
            "update() with encryption.fields.bound(instance, name, value) or update_rows()"
        )

    def from_db_value(self, value: str | None, expression: object, connection: object) -> Any:
        if value is None:
            return None
        return Sealed(value)

    def to_python(self, value: Any) -> Any:
        # A token comes from a fixture (loaddata): written back as it is, bound to its row.
        if crypto.is_token(value):
            return Bound(value)
        return value

    # None for a NULL value, as JSONField's (whose stub says Any); serialisers pass no NULL here.
    def value_to_string(self, obj: models.Model) -> str | None:  # type: ignore[override]
        # Serialisers (dumpdata) write the token, never the clear value.
        value = obj.__dict__.get(self.attname)
        if isinstance(value, Sealed):
            return value.token
        return None if value is None else self.seal(value, obj).token

    # -- not queryable by content --

    def get_lookup(self, lookup_name: str) -> type[Lookup] | None:
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, lookup_name: str) -> type[Transform] | None:
        return None

    # -- checks --

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *self._check_row_key()]

    def _check_row_key(self) -> list[checks.CheckMessage]:
        def error(message: str) -> list[checks.CheckMessage]:
            hint = "Name fields set before the insert that identify the row: row_key='public_id'."
            return [checks.Error(message, hint=hint, obj=self, id="hikkoshi.E101")]

        try:
            fields = self.row_key_fields
        except exceptions.FieldDoesNotExist as exc:
            return error(f"row_key: {exc}")
        if not fields:
            return error("row_key names no field")
        for f in fields:
            if isinstance(f, AutoFieldMixin) or f.db_default is not models.NOT_PROVIDED:
                return error(f"row_key: {f.name} is made by the database on insert, after the value is sealed")
            if isinstance(f, EncryptedJSONField) or not f.concrete:
                return error(f"row_key: {f.name} cannot name a row")
        names = {f.name for f in fields}
        meta = self.model._meta
        unique = len(fields) == 1 and (fields[0].unique or fields[0].primary_key)
        unique = unique or any(
            isinstance(c, models.UniqueConstraint) and c.condition is None and set(c.fields) == names
            for c in meta.constraints
        )
        unique = unique or any(set(together) == names for together in meta.unique_together)
        if not unique:
            return error(f"row_key: ({', '.join(sorted(names))}) is not unique: it must identify the row")
        return []

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


# -- writing with update() ------------------------------------------------------------------------


def _encrypted_field(model: type[models.Model], name: str) -> EncryptedJSONField:
    field = model._meta.get_field(name)
    if not isinstance(field, EncryptedJSONField):
        raise TypeError(f"{model._meta.label}.{name} is not an EncryptedJSONField")
    return field


def bound(instance: models.Model, name: str, value: Any) -> Bound:
    """``value`` sealed for ``instance``'s row, for ``queryset.update(name=…)`` of that row only
    (``Notice.objects.filter(pk=n.pk, claim=c).update(body=bound(n, "body", value))``)."""
    return _encrypted_field(type(instance), name).seal(value, instance)


def update_rows(queryset: models.QuerySet[Any], **values: Any) -> int:
    """``queryset.update(**values)`` where each row's encrypted values are sealed for that row:
    the rows' keys are read, then written in one ``bulk_update`` (a statement a batch). Run it
    where the rows cannot change meanwhile (in the transaction that locks them). The number of
    rows written."""
    model = queryset.model
    encrypted = {name: _encrypted_field(model, name) for name in values if _is_encrypted(model, name)}
    keys = {f.name for field in encrypted.values() for f in field.row_key_fields}
    rows = list(queryset.order_by("pk").only(*keys))
    for row in rows:
        for name, value in values.items():
            if name in encrypted:
                row.__dict__[encrypted[name].attname] = None if value is None else encrypted[name].seal(value, row)
            else:
                setattr(row, name, value)
    if rows:
        model._base_manager.bulk_update(rows, list(values), batch_size=500)
    return len(rows)


def _is_encrypted(model: type[models.Model], name: str) -> bool:
    return isinstance(model._meta.get_field(name), EncryptedJSONField)
