"""Admin lists of tables that grow for years (deliveries, the audit log): pages without
counting every row.

Django's admin counts the rows of a list twice (filtered, and the whole table for "N of M");
on hundreds of thousands of rows each count is a scan. ``LargeTableAdmin`` skips the whole
table's count and counts the filtered rows only up to ``CappedPaginator.cap``: beyond that the
list says "more than 10,000" and the pages stop there (staff narrow it with a filter or an exact
search instead).
"""

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """A paginator whose count stops at ``cap`` + 1 (a ``LIMIT`` inside the ``COUNT``)."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        counted = self.object_list[: self.cap + 1].count()  # type: ignore[attr-defined]  # a QuerySet  # type: ignore[attr-defined]  # a QuerySet
        return min(counted, self.cap)

    @cached_property
    def capped(self) -> bool:
        return self.object_list[self.cap : self.cap + 1].exists() if self.count >= self.cap else False  # type: ignore[attr-defined]  # a QuerySet  # type: ignore[attr-defined]  # a QuerySet


class LargeTableAdmin(admin.ModelAdmin):
    show_full_result_count = False
    paginator = CappedPaginator
