"""The audit trail and the jobs in the admin, to look up, never to change (superusers only: see
config/admin.py)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AuditRecord, Job
from .people import display_name


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows that change only through the services (or only by triggers): looked up here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "model", "row_id", "operation", "actor_name"]
    list_filter = ["model", "operation"]
    search_fields = ["=row_id"]
    list_select_related = ["actor"]

    @admin.display(description=_("操作人"), ordering="actor__first_name")
    def actor_name(self, obj):
        return display_name(obj.actor) if obj.actor else "—"


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "title", "kind", "owner_name", "state", "progress", "attempt"]
    list_filter = ["kind", "state"]
    list_select_related = ["owner"]

    @admin.display(description=_("提交人"), ordering="owner__first_name")
    def owner_name(self, obj):
        return display_name(obj.owner) if obj.owner else "—"
