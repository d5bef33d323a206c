from django.contrib import admin

from .models import Contact, Organisation, ServiceArea


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 1


class ServiceAreaInline(admin.TabularInline):
    model = ServiceArea
    extra = 1


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "verification", "last_checked", "portal"]
    list_filter = ["category", "verification", "portal"]
    search_fields = ["slug", "name", "name_kana", "name_en", "address"]
    prepopulated_fields = {}
    inlines = [ContactInline, ServiceAreaInline]
    fieldsets = [
        (None, {"fields": ["slug", "category", "name", "name_kana", "name_en"]}),
        ("所在地 / Address", {"fields": ["postcode", "address", "hours"]}),
        ("出典 / Provenance", {"fields": ["verification", "source", "last_checked", "note", "portal"]}),
        ("受付票の署名鍵 / Receipt keys (web channel)", {"fields": ["receipt_keys"], "classes": ["collapse"]}),
        ("処理状況 / Answers", {"fields": ["answer_wait_days"]}),
    ]
