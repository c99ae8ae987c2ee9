"""Writes to people and accounts: creating a person, giving a role to someone by phone, codes
that open an account or reset its password, deactivating an account. Roles themselves are given
and taken by orgs.services (assign_role, revoke_role, hand_over), which check access.GRANTS."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign import notifications
from campaign.models import NoticeKind
from core.audit import audited
from core.services import require
from orgs import access as org_access
from orgs import services as org_services
from orgs.models import Organization, Role
from orgs.rules import clean_name

from . import access, codes
from .models import AccessCode, Batch, Profile, Purpose
from .rules import clean_mobile, looks_like_mobile

User = get_user_model()


def code_lifetime(purpose: str) -> datetime.timedelta:
    days = (
        settings.ACTIVATION_CODE_DAYS if purpose == Purpose.ACTIVATE else settings.RESET_CODE_DAYS
    )
    return datetime.timedelta(days=days)


# --- People ---------------------------------------------------------------------------------------


def person_by_phone(phone: str):
    return User.objects.filter(profile__phone=phone).first()


def login_user(text: str):
    """The account a login name stands for: the user of that login name, else the person whose
    mobile number it is; None when neither (the caller answers as for a wrong password). A
    mobile number is never another account's login name (check_phone_free)."""
    text = (text or "").strip()
    person = User.objects.filter(username=text).first()
    if person is None and looks_like_mobile(text):
        person = person_by_phone(clean_mobile(text))
    return person


def check_phone_free(phone: str, person=None) -> None:
    """Refuses a mobile number that another person has, or that is another account's login name
    (signing in with it would reach that account)."""
    others = User.objects.exclude(pk=person.pk) if person is not None else User.objects.all()
    if others.filter(Q(profile__phone=phone) | Q(username=phone)).exists():
        raise ValidationError(
            {"phone": _("手机号码 %(phone)s 已被另一账号使用。") % {"phone": phone}}
        )


def create_person(name: str, phone: str, *, by, email: str = ""):
    """A new account for a person, with no usable password: they choose one with an activation
    code (issue_code)."""
    name = clean_name(name, label=_("姓名"))
    phone = clean_mobile(phone)
    check_phone_free(phone)
    with audited(by=by):
        user = User(username=phone, first_name=name, email=email or "")
        user.set_unusable_password()
        user.save()
        try:
            with transaction.atomic():
                Profile.objects.create(user=user, phone=phone)
        except IntegrityError:
            raise ValidationError(
                {"phone": _("手机号码 %(phone)s 已被另一账号使用。") % {"phone": phone}}
            ) from None
    return user


def update_person(person, *, by, name: str, phone: str, email: str = ""):
    require(access.can_take_charge(by, person))
    name = clean_name(name, label=_("姓名"))
    phone = clean_mobile(phone) if phone else None
    if phone:
        check_phone_free(phone, person)
    with audited(by=by):
        changed = [
            field
            for field, value in (("first_name", name), ("email", email or ""))
            if getattr(person, field) != value
        ]
        person.first_name, person.email = name, email or ""
        if changed:
            person.save(update_fields=changed)
        profile, _created = Profile.objects.get_or_create(user=person)
        if profile.phone != phone:
            profile.phone = phone
            try:
                with transaction.atomic():
                    profile.save(update_fields=["phone"])
            except IntegrityError:  # taken meanwhile
                raise ValidationError(
                    {"phone": _("手机号码 %(phone)s 已被另一账号使用。") % {"phone": phone}}
                ) from None
    return person


def grant(organization: Organization, kind: str, *, by, phone: str, name: str = ""):
    """Gives the role to the person with this mobile number, creating their account when there
    is none. Returns (role, activation code or "" for an existing account)."""
    require(org_access.can_grant(by, organization, kind))
    if not organization.active:
        raise ValidationError(_("“%(name)s”已撤销，不能授予角色。") % {"name": organization.name})
    with audited(by=by):
        person, code = person_for_phone(phone, name, by=by)
        if Role.objects.filter(user=person, organization=organization, kind=kind).exists():
            raise ValidationError(_("此人已担任该角色。"))
        role = org_services.assign_role(person, organization, kind, by=by)
    _tell_role(role, _("您已担任%(org)s的“%(kind)s”"), f"{role.pk}:given")
    return role, code


def revoke(role: Role, *, by) -> None:
    """Ends a role (orgs.services.revoke_role) and tells the person who held it."""
    pk = role.pk  # the row is deleted (its term kept): the notice is keyed on its id
    org_services.revoke_role(role, by=by)
    _tell_role(role, _("您在%(org)s的“%(kind)s”角色已结束"), f"{pk}:ended")


def _tell_role(role: Role, title: str, occurrence: str) -> None:
    """The person a role was given to, or taken from, hears of it in their inbox (and by
    email); once for each role and change."""
    notifications.tell(
        NoticeKind.ROLE,
        role.organization_id,
        user=role.user,
        title=title % {"org": role.organization.name, "kind": role.get_kind_display()},
        subject=f"user:{role.user_id}",
        period=f"role:{occurrence}",
        url=role.organization.get_absolute_url(),
    )


def person_for_phone(phone: str, name: str, *, by):
    """The person a role goes to (a grant, a hand-over's successor): found by mobile number, or
    created with an activation code when the number is new (then `name` is required). Returns
    (person, activation code or ""). Call inside `audited`."""
    try:
        phone = clean_mobile(phone)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None
    person = person_by_phone(phone)
    if person is None:
        if not (name or "").strip():
            raise ValidationError({"name": _("该手机号码还没有账号，请填写姓名以新建账号。")})
        person = create_person(name, phone, by=by)
        return person, issue_code(person, Purpose.ACTIVATE, by=by)
    if name and clean_name(name, label=_("姓名")) != (person.first_name or "").strip():
        # Not the owner's name: the form would tell anyone who may grant a role whose number
        # it is.
        raise ValidationError({"name": _("该手机号码已有账号，所填姓名与账号不符。")})
    if not person.is_active:
        raise ValidationError(_("该手机号码的账号已停用，请其上级组织先启用。"))
    return person, ""


def hand_over(role: Role, *, by, phone: str, name: str = "", on=None):
    """换届 to the person with this mobile number (created when new): (new role, code or "")."""
    require(org_access.can_grant(by, role.organization, role.kind))
    with audited(by=by):
        person, code = person_for_phone(phone, name, by=by)
        pk = role.pk  # the row is deleted (its term kept): the notice is keyed on its id
        new = org_services.hand_over(role, person, by=by, on=on)
    _tell_role(new, _("换届：您已接任%(org)s的“%(kind)s”"), f"{new.pk}:given")
    _tell_role(role, _("换届：您在%(org)s的“%(kind)s”角色已移交"), f"{pk}:ended")
    return new, code


def deactivate_person(person, *, by):
    """停用: the account can no longer sign in; its roles and history stay (never deleted)."""
    require(access.can_take_charge(by, person))
    if not person.is_active:
        raise ValidationError(_("该账号已停用。"))
    with audited(by=by):
        person.is_active = False
        person.save(update_fields=["is_active"])
        _void_codes(person)
    return person


def reactivate_person(person, *, by):
    require(access.can_take_charge(by, person))
    if person.is_active:
        raise ValidationError(_("该账号未停用。"))
    with audited(by=by):
        person.is_active = True
        person.save(update_fields=["is_active"])
    return person


# --- Codes ----------------------------------------------------------------------------------------


def _void_codes(person, now=None) -> int:
    return (
        AccessCode.objects.filter(user=person).usable(now).update(voided_at=now or timezone.now())
    )


def issue_code(person, purpose: str, *, by, batch: Batch | None = None) -> str:
    """A new one-time code for the person (returned in clear, stored as a digest); the
    person's earlier unused codes are void."""
    now = timezone.now()
    code = codes.new_code()
    with audited(by=by):
        _void_codes(person, now)
        AccessCode.objects.create(
            user=person,
            purpose=purpose,
            digest=codes.digest(code),
            batch=batch,
            issued_by=by,
            expires_at=now + code_lifetime(purpose),
        )
    return code


def reset_password(person, *, by) -> str:
    """A manager's reset: a reset code shown once, the old password kept until the code is used
    (so a reset nobody asked for locks nobody out). Audited as the code's issue."""
    require(access.can_take_charge(by, person))
    if not person.is_active:
        raise ValidationError(_("该账号已停用，请先启用。"))
    return issue_code(person, Purpose.RESET, by=by)


class CodeRefused(ValidationError):
    """The login and code do not open an account (one answer for every reason)."""


def redeem(login: str, code: str, password: str):
    """Uses a code: the account of `login` gets `password` and the code is spent. One and the
    same refusal for an unknown login, a wrong, used, void or expired code."""
    refused = CodeRefused(_("登录名或一次性码不正确，或该码已使用、已作废、已过期。"))
    person = login_user(login)
    if person is None or not person.is_active or not codes.well_formed(code):
        raise refused
    now = timezone.now()
    with audited(by=person):
        found = (
            AccessCode.objects.select_for_update()
            .filter(user=person, digest=codes.digest(code))
            .usable(now)
            .first()
        )
        if found is None:
            raise refused
        password_validation.validate_password(password, person)
        person.set_password(password)
        person.save(update_fields=["password"])
        found.used_at = now
        found.save(update_fields=["used_at"])
        _void_codes(person, now)
    return person
