"""The names of a model's table and columns, quoted for one database, for the few statements the
delivery app writes out on the path of every delivery (where building them with the ORM took
longer than running them). Names come from the model only; values are always bound."""

from functools import cache

from django.db import connections, models


@cache
def quoted(model: type[models.Model], alias: str, *fields: str) -> tuple[str, ...]:
    """The table of ``model`` and then the column of each of ``fields`` (a concrete field's name,
    or ``"pk"``), quoted for the database ``alias``; ``"*"`` is every concrete column, comma
    separated (for a ``RETURNING``)."""
    q = connections[alias].ops.quote_name
    meta = model._meta
    columns = {field.name: q(str(field.column)) for field in meta.concrete_fields}
    columns["pk"] = columns[meta.pk.name]
    columns["*"] = ", ".join(q(str(field.column)) for field in meta.concrete_fields)
    return (q(meta.db_table), *(columns[name] for name in fields))
