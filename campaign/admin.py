from django.contrib import admin

from orgs.admin import ScopedAdminMixin

from .models import Campaign


@admin.register(Campaign)
class CampaignAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "organization", "starts_on", "ends_on", "active"]
    list_filter = ["active"]
    search_fields = ["name", "theme"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]
