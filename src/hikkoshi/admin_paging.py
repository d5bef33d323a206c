"""Admin lists of tables that grow for years (deliveries, the audit log): pages without
counting every row.

Django's admin counts the rows of a list twice (filtered, and the whole table for "N of M");
on hundreds of thousands of rows each count is a scan. ``LargeTableAdmin`` skips the whole
table's count and counts the filtered rows only up to ``CappedPaginator.cap``: beyond that the
list says "more than 10,000" and the pages stop there (staff narrow it with a filter or an exact
search instead).
"""

from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

if TYPE_CHECKING:
    _PaginatorBase = Paginator[Any]
    _ModelAdminBase = admin.ModelAdmin[Any]
else:  # neither takes type arguments at run time
    _PaginatorBase = Paginator
    _ModelAdminBase = admin.ModelAdmin


class CappedPaginator(_PaginatorBase):
    """A paginator whose count stops at ``cap`` + 1 (a ``LIMIT`` inside the ``COUNT``)."""

    cap = 10_000

    @property
    def _queryset(self) -> "QuerySet[Any]":
        # The admin pages its change list's queryset; a Paginator in general takes any sequence.
        return cast("QuerySet[Any]", self.object_list)

    @cached_property
    def count(self) -> int:
        return min(self._queryset[: self.cap + 1].count(), self.cap)

    @cached_property
    def capped(self) -> bool:
        return self._queryset[self.cap : self.cap + 1].exists() if self.count >= self.cap else False


class LargeTableAdmin(_ModelAdminBase):
    show_full_result_count = False
    paginator = CappedPaginator
