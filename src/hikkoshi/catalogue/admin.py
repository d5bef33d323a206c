from django import forms
from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from hikkoshi import channels

from .constants import CommonItem
from .models import Procedure, ProcedureVersion


class VersionInline(admin.TabularInline):
    model = ProcedureVersion
    extra = 0
    can_delete = False
    fields = ["number", "created_at"]
    readonly_fields = ["number", "created_at"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


def channel_settings_help() -> str:
    """What each installed channel's settings hold, as the channels declare them (HTML)."""

    def keys(channel) -> str:
        if not channel.settings_schema:
            return _("nothing to set")
        return format_html_join(
            "; ",
            "“{}”{}: {}",
            ((s.key, "" if s.required else " " + _("(optional)"), s.help) for s in channel.settings_schema),
        )

    return format_html_join(mark_safe("<br>"), "{}: {}", ((c.label, keys(c)) for c in channels.registry()))


class ProcedureForm(forms.ModelForm):
    # The common data the organisation receives, as boxes to tick rather than JSON to type.
    shares = forms.TypedMultipleChoiceField(
        label=Procedure._meta.get_field("shares").verbose_name,
        choices=CommonItem.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=Procedure._meta.get_field("shares").help_text,
    )

    class Meta:
        model = Procedure
        fields = "__all__"  # noqa: DJ007 (the admin edits every field of a procedure)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "channel_settings" in self.fields:
            self.fields["channel_settings"].help_text = channel_settings_help()

    def clean_shares(self):
        chosen = set(self.cleaned_data.get("shares") or ())
        return [value for value in CommonItem.values if value in chosen]  # in the catalogue's order


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    form = ProcedureForm
    list_display = ["name", "organisation", "channel", "required", "end", "active", "position"]
    list_filter = ["channel", "required", "end", "active", "organisation"]
    search_fields = ["slug", "name", "name_en"]
    inlines = [VersionInline]


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    list_display = ["procedure", "number", "created_at"]
    readonly_fields = ["procedure", "number", "definition", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
