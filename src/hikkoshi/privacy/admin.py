from django.contrib import admin

from hikkoshi.admin_readonly import ReadOnlyAdmin

from .models import MoveStatistic


@admin.register(MoveStatistic)
class MoveStatisticAdmin(ReadOnlyAdmin):
    """The anonymous counts left by erasure: read only."""

    list_display = ("month", "region", "kinds", "procedure", "channel", "status", "count")
    list_filter = ("month", "region", "channel", "status")
