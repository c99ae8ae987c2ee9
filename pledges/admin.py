"""Pledges in the admin: to look up, never to change. Every change goes through the workflow and
services (pledges/workflow.py, pledges/services.py), which check roles and keep the history."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from orgs.admin import ScopedAdminMixin

from . import access
from .models import Pledge, PledgeEvent, PledgeProgress


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = PledgeEvent
    fields = ["at", "kind", "actor", "from_state", "to_state", "comment"]
    readonly_fields = fields


class ProgressInline(ReadOnlyInline):
    model = PledgeProgress
    fields = ["happened_on", "text", "attachment_type", "created_by"]
    readonly_fields = fields


@admin.register(Pledge)
class PledgeAdmin(ScopedAdminMixin, ReadOnlyAdmin):
    list_display = ["title", "owner_name", "campaign", "state", "deadline"]
    list_filter = ["state", "campaign"]
    search_fields = ["title", "member__name", "organization__name"]
    list_select_related = ["campaign", "member", "organization"]
    inlines = [ProgressInline, EventInline]

    def in_scope(self, request, queryset):
        return queryset.filter(pk__in=access.pledges_for(request.user))

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Pledge._meta.fields]
