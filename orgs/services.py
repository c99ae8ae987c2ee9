"""Writes to the organisation tree and the rosters. Views call these; nothing else changes rows."""

import datetime

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access
from .models import MEMBER_HOLDING_KINDS, Member, Organization, Role, RoleKind

ORG_FIELDS = ("name", "kind", "sector", "grade")
MEMBER_FIELDS = ("name", "gender", "birth_date", "join_date", "category", "phone")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


EARLIEST_BIRTH = datetime.date(1900, 1, 1)
# The founding of the Party: no one joined earlier.
EARLIEST_JOIN = datetime.date(1921, 7, 1)


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same date `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def validate_member_dates(fields: dict, today: datetime.date | None = None) -> None:
    """The rules on a member's dates, shared by the forms and the roster import.

    Raises ValidationError keyed by field; `today` may be passed by callers checking many rows.
    """
    today = today or timezone.localdate()
    birth, joined = fields.get("birth_date"), fields.get("join_date")
    errors = {}
    if birth and birth > today:
        errors["birth_date"] = _("出生日期不能晚于今天。")
    elif birth and birth < EARLIEST_BIRTH:
        errors["birth_date"] = _("出生日期早于 1900 年，请核对。")
    if joined and joined > today:
        errors["join_date"] = _("入党时间不能晚于今天。")
    elif joined and joined < EARLIEST_JOIN:
        errors["join_date"] = _("入党时间早于 1921 年，请核对。")
    elif birth and joined and not errors and joined < add_years(birth, 18):
        errors["join_date"] = _("入党时应年满十八周岁，请核对入党时间和出生日期。")
    if errors:
        raise ValidationError(errors)


def require_branch(branch: Organization) -> None:
    """Refuses an organisation that cannot take members: inactive, or not a branch."""
    if not branch.active:
        raise ValidationError(
            {"branch": _("“%(name)s”已撤销，不能接收党员。") % {"name": branch.name}}
        )
    if branch.kind not in MEMBER_HOLDING_KINDS:
        raise ValidationError(
            {
                "branch": _("“%(name)s”是%(kind)s，党员应编入党支部。")
                % {"name": branch.name, "kind": branch.get_kind_display()}
            }
        )


@transaction.atomic
def create_organization(parent: Organization, *, by, **fields) -> Organization:
    _require(access.can_manage(by, parent))
    if not parent.active:
        raise ValidationError(_("“%(name)s”已撤销，不能新建下级组织。") % {"name": parent.name})
    if Organization.objects.get_children(parent).filter(name=fields["name"]).exists():
        raise ValidationError({"name": _("同一上级组织下已有同名组织。")})
    # Re-read the parent under lock: add_child computes the next path from numchild.
    parent = Organization.objects.select_for_update().get(pk=parent.pk)
    return Organization.objects.add_child(parent, {key: fields.get(key, "") for key in ORG_FIELDS})


@transaction.atomic
def update_organization(org: Organization, *, by, **fields) -> Organization:
    _require(access.can_manage(by, org))
    name = fields.get("name", org.name)
    parent = Organization.objects.get_parent(org)
    if (
        parent
        and Organization.objects.get_children(parent).filter(name=name).exclude(pk=org.pk).exists()
    ):
        raise ValidationError({"name": _("同一上级组织下已有同名组织。")})
    for key in ORG_FIELDS:
        if key in fields:
            setattr(org, key, fields[key])
    org.save(update_fields=[*ORG_FIELDS])
    return org


@transaction.atomic
def deactivate_organization(org: Organization, *, by) -> Organization:
    """Marks an organisation 撤销; refused while it holds members or active sub-organisations."""
    _require(access.can_manage_strictly_below(by, org))
    members = Member.objects.active().within(org).count()
    if members:
        raise ValidationError(
            _("“%(name)s”及其下级组织仍有在册党员 %(count)s 名，请先转移或减少。")
            % {"name": org.name, "count": members}
        )
    children = Organization.objects.within(org).active().exclude(pk=org.pk).count()
    if children:
        raise ValidationError(
            _("“%(name)s”仍有 %(count)s 个有效的下级组织，请先撤销它们。")
            % {"name": org.name, "count": children}
        )
    org.active = False
    org.save(update_fields=["active"])
    return org


@transaction.atomic
def reactivate_organization(org: Organization, *, by) -> Organization:
    _require(access.can_manage_strictly_below(by, org))
    parent = Organization.objects.get_parent(org)
    if parent and not parent.active:
        raise ValidationError(
            _("上级组织“%(name)s”已撤销，请先恢复上级组织。") % {"name": parent.name}
        )
    org.active = True
    org.save(update_fields=["active"])
    return org


@transaction.atomic
def create_member(branch: Organization, *, by, **fields) -> Member:
    _require(access.can_manage(by, branch))
    require_branch(branch)
    validate_member_dates(fields)
    member = Member(branch=branch, **{key: fields[key] for key in MEMBER_FIELDS if key in fields})
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def update_member(member: Member, *, by, **fields) -> Member:
    _require(access.can_manage(by, member.branch))
    validate_member_dates({**{k: getattr(member, k) for k in MEMBER_FIELDS}, **fields})
    for key in MEMBER_FIELDS:
        if key in fields:
            setattr(member, key, fields[key])
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def move_member(member: Member, to: Organization, *, by) -> Member:
    """Transfers a member to another branch; both ends must be in the user's write scope."""
    _require(access.can_manage(by, member.branch) and access.can_manage(by, to))
    if not member.active:
        raise ValidationError(_("已减少的党员不能转移，请先恢复。"))
    require_branch(to)
    if to.pk == member.branch_id:
        raise ValidationError({"branch": _("党员已在该组织。")})
    member.branch = to
    member.save(update_fields=["branch", "updated_at"])
    return member


@transaction.atomic
def deactivate_member(
    member: Member, *, by, on: datetime.date | None = None, reason: str = ""
) -> Member:
    """Takes a member off the active roster; the row stays so their history stays."""
    _require(access.can_manage(by, member.branch))
    if not member.active:
        raise ValidationError(_("该党员已减少。"))
    member.active = False
    member.deactivated_on = on or timezone.localdate()
    member.deactivation_reason = reason
    member.save(update_fields=["active", "deactivated_on", "deactivation_reason", "updated_at"])
    return member


@transaction.atomic
def reactivate_member(member: Member, *, by) -> Member:
    _require(access.can_manage(by, member.branch))
    if member.active:
        raise ValidationError(_("该党员在册，无需恢复。"))
    require_branch(member.branch)
    member.active = True
    member.deactivated_on = None
    member.deactivation_reason = ""
    member.save(update_fields=["active", "deactivated_on", "deactivation_reason", "updated_at"])
    return member


# A stored group name, not UI text: it stays the same whatever the language.
ADMIN_GROUP = "组织管理员"
# What an admin role may do in the admin site, always within its subtree (see orgs/admin.py).
ADMIN_GROUP_PERMISSIONS = [
    "orgs.view_organization",
    "orgs.change_organization",
    "orgs.view_member",
    "orgs.change_member",
    "orgs.view_role",
    "orgs.add_role",
    "orgs.change_role",
    "orgs.delete_role",
    "campaign.view_campaign",
    "campaign.change_campaign",
    "pledges.view_pledge",
]


def admin_group() -> Group:
    group, _created = Group.objects.get_or_create(name=ADMIN_GROUP)
    wanted = []
    for dotted in ADMIN_GROUP_PERMISSIONS:
        app_label, codename = dotted.split(".")
        wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    group.permissions.set(wanted)
    return group


@transaction.atomic
def assign_role(user, organization: Organization, kind: str, *, by=None) -> Role:
    """Gives a user a role; an admin role also opens the (scoped) admin site to them."""
    if by is not None:
        _require(access.can_manage(by, organization) and access.is_admin(by))
    role, _created = Role.objects.get_or_create(user=user, organization=organization, kind=kind)
    if kind == RoleKind.ADMIN:
        user.groups.add(admin_group())
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
    return role
