"""Django admin for the tree, members and roles, scoped through orgs.access like every other page.

Non-superusers see only their subtree; an object outside it answers 404, as on the rest of the site.
"""

from django import forms
from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from core.audit import audited

from . import access, services
from .models import Member, Organization, Role


class ScopedAdminMixin:
    """Limits querysets, foreign-key choices and object lookups to the user's scope.

    By default a model is in scope through its `organization`; models reached another way override
    `in_scope`.
    """

    def in_scope(self, request, queryset):
        return queryset.filter(organization__in=access.organizations_for(request.user, write=True))

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else self.in_scope(request, queryset)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Missing and out-of-scope look the same: 404, not the admin's "may have been deleted".
            raise Http404
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Organization and not request.user.is_superuser:
            kwargs["queryset"] = access.organizations_for(request.user, write=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # Changes made here are kept in the audit trail under the user who made them.
    def save_model(self, request, obj, form, change):
        with audited(by=request.user):
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        with audited(by=request.user):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with audited(by=request.user):
            super().delete_queryset(request, queryset)


class OrganizationForm(forms.ModelForm):
    """The organisation's fields and its parent; a new parent moves it with its subtree through
    services.move_organization, as anywhere else."""

    parent = forms.ModelChoiceField(
        Organization.objects.none(), label=_("上级组织"), required=False
    )

    class Meta:
        model = Organization
        fields = ["name", "kind", "sector", "grade", "active"]

    def clean(self):
        data = super().clean()
        parent = data.get("parent")
        if self.instance.pk and parent and "parent" in self.changed_data:
            services.check_move(self.instance, parent)
        return data


@admin.register(Organization)
class OrganizationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Edits an organisation's fields and moves it under another parent; new organisations come
    from the site or by import.

    treebeard's TreeAdmin is not used: its move and children views and its position form reach
    nodes by id without any scope.
    """

    form = OrganizationForm
    fields = ["name", "parent", "kind", "sector", "grade", "active"]
    list_display = ["indented_name", "kind", "sector", "grade", "active"]
    list_filter = ["kind", "sector", "grade", "active", "depth"]
    search_fields = ["name"]
    ordering = ["path"]

    def in_scope(self, request, queryset):
        return queryset.filter(pk__in=access.organizations_for(request.user, write=True))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        parent_field = form.base_fields["parent"]
        parent_field.queryset = access.organizations_for(request.user, write=True)
        parent_field.initial = Organization.objects.get_parent(obj) if obj else None
        parent_field.disabled = obj is None or obj.is_root()
        return form

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        parent = form.cleaned_data.get("parent")
        if change and parent and "parent" in form.changed_data:
            services.move_organization(obj, parent, by=request.user)

    @admin.display(description=_("名称"), ordering="path")
    def indented_name(self, obj):
        return "\u3000" * (obj.depth - 1) + obj.name

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Organisations are 撤销 (deactivated), never deleted: members and history point at them.
        return False


@admin.register(Member)
class MemberAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "gender", "category", "branch", "active"]
    list_filter = ["active", "category", "gender"]
    search_fields = ["name", "phone"]
    list_select_related = ["branch"]
    autocomplete_fields = ["branch"]

    def in_scope(self, request, queryset):
        return queryset.filter(pk__in=access.members_for(request.user, write=True))

    # Leaving and returning go through the site's 减少/恢复 pages, which keep the date and reason.
    readonly_fields = ["active", "deactivated_on", "deactivation_reason"]

    def has_delete_permission(self, request, obj=None):
        # Members leave by being deactivated, never deleted, so their history stays.
        return False


@admin.register(Role)
class RoleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["user", "organization", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["user__username", "organization__name"]
    list_select_related = ["user", "organization"]
    autocomplete_fields = ["organization"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            role = services.assign_role(obj.user, obj.organization, obj.kind, by=request.user)
            obj.pk, obj.created_at = role.pk, role.created_at
