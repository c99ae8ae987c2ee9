from django.contrib import admin

from orgs import access as org_access
from orgs.admin import ScopedAdminMixin

from . import access, services
from .models import Campaign


@admin.register(Campaign)
class CampaignAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Campaigns of the organisations the user runs campaigns for (office and admin roles, as on
    the site's pages), changed through campaign.services."""

    list_display = ["name", "organization", "starts_on", "ends_on", "active"]
    list_filter = ["active"]
    search_fields = ["name", "theme"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]

    def in_scope(self, request, queryset):
        running = org_access.organizations_for(request.user, kinds=access.RUNNING_ROLES)
        return queryset.filter(organization__in=running)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "organization" and not request.user.is_superuser:
            field.queryset = access.organizations_to_run(request.user)
        return field

    def save_model(self, request, obj, form, change):
        fields = {
            key: form.cleaned_data[key] for key in services.FIELDS if key in form.cleaned_data
        }
        if change:
            stored = Campaign.objects.select_related("organization").get(pk=obj.pk)
            services.update_campaign(stored, by=request.user, **fields)
        else:
            obj.pk = services.create_campaign(by=request.user, **fields).pk
        obj.refresh_from_db()
