from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import ratelimits
from core.audit.trail import of, trail, under
from core.forms import apply_errors, flash_errors
from core.params import id_param
from core.services import require
from orgs import access as org_access
from orgs.models import Role

from . import access, provisioning, selectors, services, slips
from .forms import GrantForm, HandOverForm, PeopleFilter, PersonForm, ProvisionForm, RedeemForm
from .models import AccessCode, Profile

PAGE_SIZE = 50


# --- People ---------------------------------------------------------------------------------------


@require_safe
@login_required
def people(request):
    """The people holding roles in the user's write scope, filtered by organisation (its
    subtree), role, state and search, fifty a page."""
    if not access.can_see_people(request.user):
        raise Http404
    form = PeopleFilter(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    org = None
    if (org_id := id_param(request.GET, "org")) is not None:
        org = org_access.get_organization_for_user(request.user, org_id)
    found = selectors.people(
        request.user,
        org=org,
        kind=data.get("kind", ""),
        query=data.get("q", ""),
        state=data.get("state", ""),
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "org": org,
        "page": page,
        "querystring": params.urlencode(),
        "can_provision": org_access.can_manage_anything(request.user),
    }
    return render(request, "accounts/people.html", context)


def _phone(person) -> str:
    profile = selectors.profile_of(person)
    return profile.phone if profile and profile.phone else ""


@require_safe
@login_required
def person(request, pk):
    person = access.get_person_for_user(request.user, pk)
    roles = list(
        access.roles_for(request.user)
        .filter(user=person)
        .select_related("organization")
        .order_by("organization__path")
    )
    for role in roles:
        role.revocable = org_access.can_grant(request.user, role.organization, role.kind)
    others = Role.objects.filter(user=person).exclude(pk__in=[r.pk for r in roles]).count()
    context = {
        "person": person,
        "phone": _phone(person),
        "roles": roles,
        "other_roles": others,
        "can_take_charge": access.can_take_charge(request.user, person),
        "trail": trail(
            of(type(person), person.pk), *_profile_trail(person), under(AccessCode, person.pk)
        ),
    }
    return render(request, "accounts/person.html", context)


def _profile_trail(person) -> list:
    profile = selectors.profile_of(person)
    return [of(Profile, profile.pk)] if profile else []


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def edit_person(request, pk):
    person = access.get_person_for_user(request.user, pk)
    require(access.can_take_charge(request.user, person))
    initial = {"name": person.first_name, "phone": _phone(person), "email": person.email}
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(person, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("accounts:person", pk=person.pk)
    return render(request, "accounts/person_form.html", {"person": person, "form": form})


@require_POST
@login_required
@never_cache
def reset(request, pk):
    """A reset code for the person, shown once on this answer and never again."""
    person = access.get_person_for_user(request.user, pk)
    try:
        code = services.reset_password(person, by=request.user)
    except ValidationError as error:
        flash_errors(request, error)
        return redirect("accounts:person", pk=person.pk)
    context = {
        "person": person,
        "code": code,
        "purpose": _("重置码"),
        "login": person.username,
        "days": settings.RESET_CODE_DAYS,
        "url": request.build_absolute_uri(reverse("activate")),
    }
    return render(request, "accounts/code_issued.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def deactivate(request, pk):
    person = access.get_person_for_user(request.user, pk)
    require(access.can_take_charge(request.user, person))
    if request.method == "POST":
        try:
            services.deactivate_person(person, by=request.user)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("已停用“%(name)s”的账号。") % {"name": person.first_name})
        return redirect("accounts:person", pk=person.pk)
    return render(request, "accounts/deactivate.html", {"person": person})


@require_POST
@login_required
def reactivate(request, pk):
    person = access.get_person_for_user(request.user, pk)
    try:
        services.reactivate_person(person, by=request.user)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已启用“%(name)s”的账号。") % {"name": person.first_name})
    return redirect("accounts:person", pk=person.pk)


# --- Roles ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def revoke(request, pk):
    role = access.get_role_for_user(request.user, pk)
    require(org_access.can_grant(request.user, role.organization, role.kind))
    back = request.GET.get("next") == "org"
    if request.method == "POST":
        try:
            services.revoke(role, by=request.user)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(
                request,
                _("已撤销“%(name)s”在“%(org)s”的“%(kind)s”角色。")
                % {
                    "name": role.user.first_name or role.user.username,
                    "org": role.organization.name,
                    "kind": role.get_kind_display(),
                },
            )
        if back:
            return redirect(role.organization)
        return redirect("accounts:person", pk=role.user_id)
    return render(request, "accounts/revoke.html", {"role": role, "back": back})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def grant(request, pk):
    """Gives a role on the organisation to a person found by mobile number, or to a new account
    whose activation code is shown once."""
    org = org_access.get_organization_for_user(request.user, pk)
    kinds = org_access.grantable_kinds(request.user, org)
    require(bool(kinds))
    form = GrantForm(request.POST or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            role, code = services.grant(org, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("已授予“%(name)s”“%(kind)s”角色。")
                % {"name": role.user.first_name, "kind": role.get_kind_display()},
            )
            if code:
                return _code_page(request, role.user, code)
            return redirect(org)
    context = {"org": org, "form": form, "breadcrumb": org.ancestors()}
    return render(request, "accounts/grant.html", context)


def _code_page(request, person, code):
    context = {
        "person": person,
        "code": code,
        "purpose": _("激活码"),
        "login": person.username,
        "days": settings.ACTIVATION_CODE_DAYS,
        "url": request.build_absolute_uri(reverse("activate")),
    }
    response = render(request, "accounts/code_issued.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def hand_over(request, pk):
    """换届: one of the organisation's roles passes from its holder to another person."""
    org = org_access.get_organization_for_user(request.user, pk)
    roles = [
        role
        for role in Role.objects.filter(organization=org).select_related("user", "organization")
        if org_access.can_grant(request.user, org, role.kind)
    ]
    require(bool(org_access.grantable_kinds(request.user, org)))
    form = HandOverForm(request.POST or None, roles=roles)
    if request.method == "POST" and form.is_valid():
        role = next(r for r in roles if str(r.pk) == form.cleaned_data["role"])
        try:
            new, code = services.hand_over(
                role,
                by=request.user,
                phone=form.cleaned_data["phone"],
                name=form.cleaned_data["name"],
                on=form.cleaned_data["on"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("换届完成：“%(new)s”接任“%(old)s”的%(kind)s。")
                % {
                    "new": new.user.first_name,
                    "old": role.user.first_name or role.user.username,
                    "kind": role.get_kind_display(),
                },
            )
            if code:
                return _code_page(request, new.user, code)
            return redirect(org)
    context = {"org": org, "form": form, "roles": roles, "breadcrumb": org.ancestors()}
    return render(request, "accounts/hand_over.html", context)


@require_safe
@login_required
def org_actions(request, pk):
    """The "orgs.roles" slot: what the user may do with the organisation's roles."""
    org = org_access.get_organization_for_user(request.user, pk)
    context = {
        "org": org,
        "can_grant": org.active and bool(org_access.grantable_kinds(request.user, org)),
        "can_manage": access.can_see_people(request.user),
        "holders": Role.objects.filter(organization=org).exists(),
    }
    return render(request, "accounts/_org_actions.html", context)


# --- Provisioning ---------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def provision(request):
    """开通账号: a sheet of people and roles, all rows or none; the batch's slips come next."""
    require(org_access.can_manage_anything(request.user))
    form = ProvisionForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result, batch = provisioning.provision(form.cleaned_data["file"], by=request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if result.ok:
                messages.success(
                    request,
                    _(
                        "导入完成：新建账号 %(created)s 个，新授予角色 %(roles)s 个，"
                        "未变 %(same)s 行。"
                    )
                    % {
                        "created": result.created,
                        "roles": result.updated,
                        "same": result.unchanged,
                    },
                )
                if batch is not None:
                    return redirect("accounts:batch", pk=batch.pk)
                return redirect("accounts:people")
    batches = access.batches_for(request.user)[:10]
    context = {"form": form, "result": result, "batches": batches}
    return render(request, "accounts/provision.html", context)


@require_safe
@login_required
def provision_template(request):
    require(org_access.can_manage_anything(request.user))
    content = provisioning.template_xlsx(request.user)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E5%BC%80%E9%80%9A%E8%B4%A6%E5%8F%B7%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


@require_safe
@login_required
def batch(request, pk):
    batch = access.get_batch_for_user(request.user, pk)
    waiting = provisioning.waiting_accounts(batch)
    context = {
        "batch": batch,
        "total": batch.accounts.count(),
        "waiting": waiting.count(),
        "sample": list(waiting[:20]),
    }
    return render(request, "accounts/batch.html", context)


@require_POST
@login_required
@never_cache
def batch_slips(request, pk):
    """New codes for the batch's accounts still waiting, as a ZIP of the PDF slips and the XLSX
    list; every earlier code of theirs is void. Nothing of the codes is kept in clear."""
    batch = access.get_batch_for_user(request.user, pk)
    made = provisioning.issue_slips(batch, by=request.user)
    if not made:
        messages.info(request, _("该批次的账号都已激活，无需生成激活码。"))
        return redirect("accounts:batch", pk=batch.pk)
    url = request.build_absolute_uri(reverse("activate"))
    content = slips.slips_zip(batch.title, url, made)
    response = HttpResponse(content, content_type="application/zip")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="activation-{batch.pk}-{stamp}.zip"'
    response["Cache-Control"] = "no-store"
    return response


# --- First sign-in and resets ---------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def activate(request):
    """激活账号 / 重置密码: the login, a one-time code and the new password; then signed in and
    taken home. Failures count per client address like the login's (CODE_RATE_LIMIT)."""
    form = RedeemForm(request.POST or None, initial={"login": request.GET.get("u", "")[:150]})
    if request.method == "POST":
        if ratelimits.exceeded(request, group="codes", rate=settings.CODE_RATE_LIMIT, count=False):
            return render(request, "registration/rate_limited.html", status=429)
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = services.redeem(data["login"], data["code"], data["password1"])
            except services.CodeRefused as error:
                ratelimits.exceeded(request, group="codes", rate=settings.CODE_RATE_LIMIT)
                form.add_error("code", error)
            except ValidationError as error:
                form.add_error("password1", error)
            else:
                login(request, person, backend="core.backends.ModelBackend")
                messages.success(request, _("密码已设置，欢迎使用。"))
                return redirect(settings.LOGIN_REDIRECT_URL)  # the home: the user's to-do
    context = {"form": form, "login_url": resolve_url(settings.LOGIN_URL)}
    return render(request, "accounts/activate.html", context)


def email_reset_view(view):
    """Django's password-reset-by-email view, answering 404 where mail is not set up
    (settings.EMAIL_RESET): there the level above resets with a code."""

    def wrapped(request, *args, **kwargs):
        if not settings.EMAIL_RESET:
            raise Http404
        if request.method == "POST" and ratelimits.exceeded(
            request, group="password-reset", rate=settings.CODE_RATE_LIMIT
        ):
            return render(request, "registration/rate_limited.html", status=429)
        return view(request, *args, **kwargs)

    return wrapped
