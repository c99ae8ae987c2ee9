"""The audit trail and the jobs in the admin, to look up, never to change (superusers only: see
config/admin.py)."""

from django.contrib import admin

from .models import AuditRecord, Job


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
    list_display = ["at", "model", "row_id", "operation", "actor"]
    list_filter = ["model", "operation"]
    search_fields = ["=row_id"]
    list_select_related = ["actor"]


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "title", "kind", "owner", "state", "progress", "attempt"]
    list_filter = ["kind", "state"]
    list_select_related = ["owner"]
