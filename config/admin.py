"""The admin site: its one cross-model URL (view on site) scoped like the model admins, and the
models outside the tree (users, groups, login records, jobs, the audit trail) for superusers only.

The apps' own model admins are scoped to the user's subtree (orgs.admin.ScopedAdminMixin).
"""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from core.models import AuditRecord, Job
from core.people import NAME_LABEL

# The admin's pages read with GET (and HEAD) and change with POST; Django's admin views would
# render a page for any other method (TRACE, PUT…), the site answers 405.
ADMIN_METHODS = ["GET", "HEAD", "POST"]


class AdminSite(admin.AdminSite):
    site_header = _("创先争优活动管理")
    site_title = _("创先争优活动管理")
    index_title = _("后台管理")

    def admin_view(self, view, cacheable=False):
        """Every admin page (the model admins' too, which are wrapped here) takes only
        ADMIN_METHODS."""
        return require_http_methods(ADMIN_METHODS)(super().admin_view(view, cacheable))

    @method_decorator(require_http_methods(ADMIN_METHODS))
    def login(self, request, extra_context=None):
        return super().login(request, extra_context)

    def get_urls(self):
        urls = [url for url in super().get_urls() if getattr(url, "name", None) != "view_on_site"]
        shortcut = path(
            "r/<int:content_type_id>/<path:object_id>/",
            self.admin_view(self.view_on_site),
            name="view_on_site",
        )
        return [shortcut, *urls]

    def view_on_site(self, request, content_type_id, object_id):
        """Django's shortcut redirects to any object's page; this one only within reach."""
        content_type = ContentType.objects.filter(pk=content_type_id).first()
        model = content_type.model_class() if content_type else None
        model_admin = self._registry.get(model)
        if model_admin is None or not hasattr(model, "get_absolute_url"):
            raise Http404
        try:
            obj = model_admin.get_queryset(request).filter(pk=object_id).first()
        except (ValueError, TypeError):
            obj = None
        if obj is None or not model_admin.has_view_or_change_permission(request, obj):
            raise Http404
        return redirect(obj.get_absolute_url())


class SuperuserOnlyMixin:
    """For models outside the tree (users, groups, login records): superusers only.

    Everyone else gets 404 for any id, existing or not, instead of Django's mix of 403 and
    "may have been deleted" redirects that would tell the two apart.
    """

    def get_object(self, request, object_id, from_field=None):
        if not request.user.is_superuser:
            raise Http404
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


def name_users() -> None:
    """Puts NamedUserAdmin in place of Django's user admin (before restrict_to_superusers).
    Defined here: django.contrib.auth.admin registers on the default site, this module."""
    from django.contrib.auth.admin import UserAdmin

    class NamedUserAdmin(UserAdmin):
        """Django's user admin with the user's 姓名 (User.first_name holds it whole, core/people.py)
        set when the user is added and shown in the list; last_name is not used."""

        list_display = ["username", "name", "email", "is_staff", "is_superuser", "is_active"]
        search_fields = ["username", "first_name", "email"]
        ordering = ["username"]
        fieldsets = [
            (None, {"fields": ["username", "password"]}),
            (_("个人信息"), {"fields": ["first_name", "email"]}),
            *UserAdmin.fieldsets[2:],
        ]
        add_fieldsets = [
            (
                None,
                {
                    "classes": ["wide"],
                    "fields": [
                        "username",
                        "first_name",
                        "usable_password",
                        "password1",
                        "password2",
                    ],
                },
            )
        ]

        @admin.display(description=NAME_LABEL, ordering="first_name")
        def name(self, obj):
            return obj.first_name

        def get_form(self, request, obj=None, **kwargs):
            form = super().get_form(request, obj, **kwargs)
            if "first_name" in form.base_fields:
                form.base_fields["first_name"].label = NAME_LABEL
            return form

    if admin.site.is_registered(User):
        admin.site.unregister(User)
    admin.site.register(User, NamedUserAdmin)


def _superuser_only(model):
    model_admin = admin.site._registry.get(model)
    if model_admin is None:
        return
    admin.site.unregister(model)
    base = type(model_admin)
    admin.site.register(
        model, type(f"SuperuserOnly{base.__name__}", (SuperuserOnlyMixin, base), {})
    )


def restrict_to_superusers() -> None:
    """Called once the apps' admin modules are loaded (config.apps.AdminConfig.ready)."""
    name_users()
    for model in (User, Group, AccessAttempt, AccessLog, AccessFailureLog, AuditRecord, Job):
        _superuser_only(model)
