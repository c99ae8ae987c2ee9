"""Django admin for the tree, members and roles, scoped through orgs.access like every other page.

Non-superusers see only their subtree; an object outside it answers 404, as on the rest of the site.
"""

import copy

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from core.audit import audited
from core.forms import apply_errors
from core.people import display_name, labelled

from . import access, rules, services
from .forms import MemberForm as SiteMemberForm
from .models import Member, Organization, Role, RoleKind


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


class ServiceFormMixin:
    """A form whose changes the admin saves through the services: `clean` runs the services'
    checks, so a refusal shows on the form in Chinese instead of failing the save. `user` is set
    by the ModelAdmin's get_form; `self.instance` still holds the stored row during `clean`."""

    user = None

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                self.check(data)
            except ValidationError as error:
                apply_errors(self, error)
        return data

    def check(self, data: dict) -> None:
        raise NotImplementedError


class OrganizationForm(ServiceFormMixin, forms.ModelForm):
    """The organisation's fields and its parent; a new parent moves it with its subtree through
    services.move_organization, as anywhere else."""

    parent = forms.ModelChoiceField(
        Organization.objects.none(), label=_("上级组织"), required=False
    )

    class Meta:
        model = Organization
        fields = ["name", "kind", "sector", "grade", "active"]

    def check(self, data):
        org = self.instance
        services.check_update(org, data, by=self.user)
        if "active" in data and data["active"] != org.active:
            if data["active"]:
                services.check_reactivate(org)
            else:
                services.check_deactivate(org)
        parent = data.get("parent")
        if parent and "parent" in self.changed_data:
            services.check_move(org, parent)


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

    def get_readonly_fields(self, request, obj=None):
        # The organisation's own roles see its standing without changing it (as on the site).
        if obj is not None and not access.can_change_standing(request.user, obj):
            return [*access.STANDING_FIELDS]
        return []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user
        # The declared field is shared by every form class made from OrganizationForm.
        parent_field = form.base_fields["parent"] = copy.deepcopy(form.base_fields["parent"])
        parent = Organization.objects.get_parent(obj) if obj else None
        parent_field.initial = parent
        if obj is not None and parent and access.can_change_standing(request.user, obj):
            parent_field.queryset = access.organizations_for(request.user, write=True)
        else:
            # Shown, not changed: the parent may lie above the user's scope.
            parent_field.queryset = Organization.objects.filter(pk=parent.pk if parent else None)
            parent_field.disabled = True
        return form

    def save_model(self, request, obj, form, change):
        """Saves through the services the site uses, which check again what the form checked."""
        data, by = form.cleaned_data, request.user
        stored = Organization.objects.get(pk=obj.pk)  # obj already holds what was typed
        fields = {key: data[key] for key in services.ORG_FIELDS if key in data}
        services.update_organization(stored, by=by, **fields)
        if "active" in data and data["active"] != stored.active:
            change_active = (
                services.reactivate_organization
                if data["active"]
                else services.deactivate_organization
            )
            change_active(stored, by=by)
        parent = data.get("parent")
        if parent and "parent" in form.changed_data:
            services.move_organization(stored, parent, by=by)
        obj.refresh_from_db()

    @admin.display(description=_("名称"), ordering="path")
    def indented_name(self, obj):
        return "\u3000" * (obj.depth - 1) + obj.name

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Organisations are 撤销 (deactivated), never deleted: members and history point at them.
        return False


class MemberForm(ServiceFormMixin, SiteMemberForm):
    """The site's member form (its phone rule included) with the branch; a new branch moves the
    member through services.move_member."""

    def check(self, data):
        member = self.instance
        fields = {key: data[key] for key in services.MEMBER_FIELDS if key in data}
        if member.pk is None:
            rules.require_branch(data["branch"])
            rules.validate_member_dates(fields)
            return
        stored = {key: getattr(member, key) for key in services.MEMBER_FIELDS}
        rules.validate_member_dates({**stored, **fields})
        if "branch" in self.changed_data:
            services.check_move_member(member, data["branch"])


@admin.register(Member)
class MemberAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = MemberForm
    # What the site's form edits; leaving and returning go through the site's 减少/恢复 pages,
    # which keep the date and reason.
    fields = [
        *SiteMemberForm.Meta.fields,
        "branch",
        "active",
        "deactivated_on",
        "deactivation_reason",
    ]
    readonly_fields = ["active", "deactivated_on", "deactivation_reason"]
    list_display = ["name", "gender", "category", "branch", "active"]
    list_filter = ["active", "category", "gender"]
    search_fields = ["name", "phone"]
    list_select_related = ["branch"]
    autocomplete_fields = ["branch"]

    def in_scope(self, request, queryset):
        return queryset.filter(pk__in=access.members_for(request.user, write=True))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user
        return form

    def save_model(self, request, obj, form, change):
        """Saves through the services the site uses, which check again what the form checked."""
        data, by = form.cleaned_data, request.user
        fields = {key: data[key] for key in services.MEMBER_FIELDS if key in data}
        if not change:
            obj.pk = services.create_member(data["branch"], by=by, **fields).pk
            return
        stored = Member.objects.select_related("branch").get(pk=obj.pk)
        services.update_member(stored, by=by, **fields)
        if "branch" in form.changed_data:
            services.move_member(stored, data["branch"], by=by)
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None):
        # Members leave by being deactivated, never deleted, so their history stays.
        return False


@admin.register(Role)
class RoleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Roles are given (services.assign_role) and taken away (services.revoke_role), never
    edited: a changed kind would skip what giving it does (an admin role opens the admin)."""

    list_display = ["user_name", "organization", "kind", "started_on"]
    list_filter = ["kind"]
    fields = ["user", "organization", "kind", "started_on"]
    search_fields = ["user__username", "user__first_name", "organization__name"]
    list_select_related = ["user", "organization"]
    autocomplete_fields = ["organization"]

    @admin.display(description=_("用户"), ordering="user__first_name")
    def user_name(self, obj):
        return display_name(obj.user)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ["user_name", "organization", "kind", "started_on", "created_at"]
        return []

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return ["user_name" if f == "user" else f for f in fields] if obj is not None else fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "user" and field is not None:
            field.label_from_instance = labelled
            if not request.user.is_superuser:
                # Only people already holding a role in the admin's scope: a scoped admin never
                # sees the whole district's accounts. New people come in through 人员与账号.
                in_scope = Role.objects.filter(
                    access.scope_q(request.user, "organization__path", write=True)
                )
                field.queryset = field.queryset.filter(pk__in=in_scope.values("user_id"))
        return field

    def get_form(self, request, obj=None, **kwargs):
        """A role the user may not give there (access.GRANTS) is refused on the form, in words,
        before the service would answer 403."""
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            return form
        giver = request.user

        class GrantForm(form):
            def clean(self):
                data = super().clean()
                org, kind = data.get("organization"), data.get("kind")
                if org is not None and kind and not access.can_grant(giver, org, kind):
                    raise ValidationError(
                        _("您不能在“%(org)s”授予“%(kind)s”角色。")
                        % {
                            "org": org.name,
                            "kind": RoleKind(kind).label,
                        }
                    )
                return data

        return GrantForm

    def save_model(self, request, obj, form, change):
        if not change:
            role = services.assign_role(
                obj.user, obj.organization, obj.kind, by=request.user, on=obj.started_on
            )
            obj.pk, obj.created_at = role.pk, role.created_at

    def delete_model(self, request, obj):
        services.revoke_role(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for role in queryset.select_related("user", "organization"):
            services.revoke_role(role, by=request.user)
