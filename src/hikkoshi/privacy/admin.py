from django.contrib import admin

from .models import MoveStatistic


@admin.register(MoveStatistic)
class MoveStatisticAdmin(admin.ModelAdmin):
    """The anonymous counts left by erasure: read only."""

    list_display = ("month", "region", "kinds", "procedure", "channel", "status", "count")
    list_filter = ("month", "region", "channel", "status")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
