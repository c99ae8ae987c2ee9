"""Writes to the organisation tree and the rosters. Views call these; nothing else changes rows."""

import datetime

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import jobs
from core.audit import audited
from core.models import Job
from core.services import model_update, one_at_a_time, require

from . import access, importing
from .models import DatePrecision, Member, Organization, OrgKind, Role, RoleKind, RoleTerm
from .rules import clean_name, require_branch, validate_member_dates
from .tasks import import_job_task

ORG_FIELDS = ("name", "kind", "sector", "grade")
MEMBER_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "birth_date_precision",
    "join_date",
    "join_date_precision",
    "category",
    "phone",
)
DATE_FIELDS = ("birth_date", "join_date")


def with_clean_name(fields: dict, label: str | None = None) -> dict:
    """The fields with their name as stored (rules.clean_name); an emoji in it is an error on
    the name field."""
    if "name" not in fields:
        return fields
    try:
        return {**fields, "name": clean_name(fields["name"], label=label)}
    except ValidationError as error:
        raise ValidationError({"name": error.messages}) from None


def create_organization(parent: Organization, *, by, **fields) -> Organization:
    require(access.can_manage(by, parent))
    fields = with_clean_name(fields, _("组织名称"))
    if not parent.active:
        raise ValidationError(_("“%(name)s”已撤销，不能新建下级组织。") % {"name": parent.name})
    if Organization.objects.get_children(parent).filter(name=fields["name"]).exists():
        raise ValidationError({"name": _("同一上级组织下已有同名组织。")})
    with audited(by=by):
        # Re-read the parent under lock: add_child computes the next path from numchild.
        parent = Organization.objects.select_for_update().get(pk=parent.pk)
        return Organization.objects.add_child(
            parent, {key: fields.get(key, "") for key in ORG_FIELDS}
        )


def update_organization(org: Organization, *, by, **fields) -> Organization:
    """Changes the organisation's name, and its kind, sector and grade when the user may change
    its standing (access.can_change_standing); `active` changes through deactivate_organization
    and reactivate_organization."""
    require(access.can_manage(by, org))
    fields = with_clean_name(fields, _("组织名称"))
    check_update(org, fields, by=by)
    model_update(org, {key: fields[key] for key in ORG_FIELDS if key in fields}, by=by)
    return org


def check_update(org: Organization, fields: dict, *, by) -> None:
    """Refuses what update_organization refuses (for the admin's form, which checks before it
    saves): a change to the standing from the organisation itself, a name a sibling has."""
    fields = with_clean_name(fields, _("组织名称"))
    standing = [key for key in access.STANDING_FIELDS if key in fields]
    changed = any(fields[key] != getattr(org, key) for key in standing)
    if changed and not access.can_change_standing(by, org):
        raise ValidationError(
            _("组织的类型、领域、分类定级和是否有效由上级组织更改，本组织只能修改名称。")
        )
    name = fields.get("name", org.name)
    parent = Organization.objects.get_parent(org)
    if (
        parent
        and Organization.objects.get_children(parent).filter(name=name).exclude(pk=org.pk).exists()
    ):
        raise ValidationError({"name": _("同一上级组织下已有同名组织。")})


def move_organization(org: Organization, parent: Organization, *, by) -> Organization:
    """Moves an organisation with its whole subtree under another parent (e.g. a branch that
    changes town). The user must manage both the organisation's old place and the new parent."""
    require(access.can_change_standing(by, org) and access.can_manage(by, parent))
    check_move(org, parent)
    with audited(by=by):
        # treebeard computes the new paths from the rows as stored: no tree import in between,
        # and both rows read under lock.
        one_at_a_time(importing.IMPORT_LOCK)
        node = Organization.objects.select_for_update().get(pk=org.pk)
        target = Organization.objects.select_for_update().get(pk=parent.pk)
        Organization.objects.move(node, target, "last-child")
    org.refresh_from_db()
    return org


def check_move(org: Organization, parent: Organization) -> None:
    """Refuses a move that would break the tree, with the reason (for the form that offers it)."""
    if parent.path.startswith(org.path):
        raise ValidationError({"parent": _("不能移到本组织或其下级组织之下。")})
    if parent.path == org.path[: -org.steplen]:
        raise ValidationError({"parent": _("该组织已在“%(name)s”之下。") % {"name": parent.name}})
    if not parent.active:
        raise ValidationError({"parent": _("“%(name)s”已撤销。") % {"name": parent.name}})
    if parent.kind == OrgKind.GROUP:
        raise ValidationError({"parent": _("党小组之下不能设组织。")})
    if Organization.objects.get_children(parent).filter(name=org.name).exists():
        raise ValidationError({"parent": _("新的上级组织下已有同名组织。")})


def deactivate_organization(org: Organization, *, by) -> Organization:
    """Marks an organisation 撤销; refused while it holds members or active sub-organisations."""
    require(access.can_change_standing(by, org))
    check_deactivate(org)
    with audited(by=by):
        model_update(org, {"active": False}, by=by)
        # Nobody holds a role on an organisation that is gone; the terms stay in its history.
        for role in Role.objects.filter(organization=org).select_related("user", "organization"):
            _end_role(role, on=timezone.localdate(), reason=_("组织撤销"))
    return org


def check_deactivate(org: Organization) -> None:
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


def reactivate_organization(org: Organization, *, by) -> Organization:
    require(access.can_change_standing(by, org))
    check_reactivate(org)
    model_update(org, {"active": True}, by=by)
    return org


def check_reactivate(org: Organization) -> None:
    parent = Organization.objects.get_parent(org)
    if parent and not parent.active:
        raise ValidationError(
            _("上级组织“%(name)s”已撤销，请先恢复上级组织。") % {"name": parent.name}
        )


def create_member(branch: Organization, *, by, **fields) -> Member:
    require(access.can_manage(by, branch))
    require_branch(branch)
    fields = with_clean_name(fields)
    validate_member_dates(fields)
    member = Member(branch=branch, **{key: fields[key] for key in MEMBER_FIELDS if key in fields})
    member.full_clean()
    with audited(by=by):
        member.save()
    return member


def update_member(member: Member, *, by, **fields) -> Member:
    require(access.can_manage(by, member.branch))
    fields = with_clean_name(_keep_precision(member, fields))
    validate_member_dates({**{k: getattr(member, k) for k in MEMBER_FIELDS}, **fields})
    model_update(member, {key: fields[key] for key in MEMBER_FIELDS if key in fields}, by=by)
    return member


def _keep_precision(member: Member, fields: dict) -> dict:
    """A date known only to the month or year (from a roster) keeps its precision while the
    form sends it back unchanged; a date typed anew is known to the day."""
    fields = dict(fields)
    for name in DATE_FIELDS:
        precision = f"{name}_precision"
        if name in fields and precision not in fields and fields[name] != getattr(member, name):
            fields[precision] = DatePrecision.DAY
    return fields


def move_member(member: Member, to: Organization, *, by) -> Member:
    """Transfers a member to another branch; both ends must be in the user's write scope."""
    require(access.can_manage(by, member.branch) and access.can_manage(by, to))
    check_move_member(member, to)
    model_update(member, {"branch": to}, by=by)
    return member


def check_move_member(member: Member, to: Organization) -> None:
    if not member.active:
        raise ValidationError(_("已减少的党员不能转移，请先恢复。"))
    require_branch(to)
    if to.pk == member.branch_id:
        raise ValidationError({"branch": _("党员已在该组织。")})


def deactivate_member(
    member: Member, *, by, on: datetime.date | None = None, reason: str = ""
) -> Member:
    """Takes a member off the active roster; the row stays so their history stays."""
    require(access.can_manage(by, member.branch))
    if not member.active:
        raise ValidationError(_("该党员已减少。"))
    fields = {"active": False, "deactivated_on": on or timezone.localdate()}
    model_update(member, {**fields, "deactivation_reason": reason}, by=by)
    return member


def reactivate_member(member: Member, *, by) -> Member:
    require(access.can_manage(by, member.branch))
    if member.active:
        raise ValidationError(_("该党员在册，无需恢复。"))
    require_branch(member.branch)
    fields = {"active": True, "deactivated_on": None, "deactivation_reason": ""}
    model_update(member, fields, by=by)
    return member


# A stored group name, not UI text: it stays the same whatever the language.
ADMIN_GROUP = "组织管理员"


def admin_permissions() -> list[str]:
    """What an admin role may do in the admin site, always within its subtree (orgs/admin.py):
    each app declares its own as `admin_permissions` on its AppConfig."""
    return [
        f"{config.label}.{codename}"
        for config in apps.get_app_configs()
        for codename in getattr(config, "admin_permissions", ())
    ]


def admin_group() -> Group:
    group, _created = Group.objects.get_or_create(name=ADMIN_GROUP)
    wanted = []
    for dotted in admin_permissions():
        app_label, codename = dotted.split(".")
        wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    group.permissions.set(wanted)
    return group


def assign_role(
    user, organization: Organization, kind: str, *, by=None, on: datetime.date | None = None
) -> Role:
    """Gives a user a role, as access.GRANTS allows `by` (None: the system, e.g. the demo); an
    admin role also opens the (scoped) admin site to them."""
    if by is not None:
        require(access.can_grant(by, organization, kind))
    with audited(by=by):
        role, _created = Role.objects.get_or_create(
            user=user,
            organization=organization,
            kind=kind,
            defaults={"started_on": on or timezone.localdate()},
        )
        if kind == RoleKind.ADMIN:
            user.groups.add(admin_group())
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
    return role


def revoke_role(role: Role, *, by, on: datetime.date | None = None, reason: str = "") -> None:
    """Takes a role away, as access.GRANTS allows `by` to give it, keeping its term (RoleTerm)
    as the organisation's history; the last admin role taken closes the admin site's pages to
    the user."""
    require(access.can_grant(by, role.organization, role.kind))
    with audited(by=by):
        _end_role(role, on=on or timezone.localdate(), reason=reason or _("撤销"))


def _end_role(role: Role, *, on: datetime.date, reason: str, successor=None) -> RoleTerm:
    """Inside a transaction: deletes the role (locked first, so two requests cannot both end
    it) and keeps its term; the last admin role ended takes the admin site away."""
    if not Role.objects.select_for_update().filter(pk=role.pk).exists():
        raise ValidationError(_("该角色已经结束（可能刚被他人撤销或交接），请刷新后再试。"))
    term = RoleTerm.objects.create(
        user=role.user,
        organization=role.organization,
        kind=role.kind,
        started_on=min(role.started_on, on),
        ended_on=on,
        reason=reason[:50],
        successor=successor,
    )
    role.delete()
    user = role.user
    if role.kind == RoleKind.ADMIN and not user.roles.filter(kind=RoleKind.ADMIN).exists():
        user.groups.remove(admin_group())
        if user.is_staff and not user.is_superuser:
            user.is_staff = False
            user.save(update_fields=["is_staff"])
    return term


def hand_over(role: Role, successor, *, by, on: datetime.date | None = None) -> Role:
    """换届: the holder of `role` leaves it and `successor` takes it from the same day, in one
    step. The old term is kept (RoleTerm, reason 换届, naming the successor); what the role owes
    (to-do items) belongs to the organisation, so it passes over with nothing to move."""
    require(access.can_grant(by, role.organization, role.kind))
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"on": _("换届日期不能晚于今天。")})
    if on < role.started_on:
        raise ValidationError(
            {"on": _("换届日期不能早于原任职日期 %(day)s。") % {"day": role.started_on}}
        )
    if not role.organization.active:
        raise ValidationError(_("“%(name)s”已撤销，不能换届。") % {"name": role.organization.name})
    if successor.pk == role.user_id:
        raise ValidationError(_("接任者与原任者是同一人。"))
    if not successor.is_active:
        raise ValidationError(_("接任者的账号已停用，请先启用。"))
    with audited(by=by):
        _end_role(role, on=on, reason=_("换届"), successor=successor)
        # The successor takes the role as assign_role gives it (an admin role opens the admin).
        new = assign_role(successor, role.organization, role.kind, on=on)
    return new


def merge_branches(source: Organization, target: Organization, *, by) -> int:
    """撤并: every active member of `source` moves to `target` (their pledges and history go
    with them, being theirs), and `source` is deactivated, never deleted. Only from above both
    branches. Returns how many members moved."""
    require(access.can_change_standing(by, source) and access.can_manage(by, target))
    if source.pk == target.pk:
        raise ValidationError({"target": _("不能并入本组织。")})
    if not source.active:
        raise ValidationError(_("“%(name)s”已撤销。") % {"name": source.name})
    require_branch(target)
    if not source.holds_members:
        raise ValidationError(_("只能合并党支部（或党总支、党委）的党员。"))
    if Organization.objects.within(source).active().exclude(pk=source.pk).exists():
        raise ValidationError(
            _("“%(name)s”还有有效的下级组织，请先撤销或移走。") % {"name": source.name}
        )
    with audited(by=by):
        one_at_a_time(importing.IMPORT_LOCK)
        moved = Member.objects.filter(branch=source, active=True).update(
            branch=target, updated_at=timezone.now()
        )
        # Members who left earlier stay on the emptied branch's history with their pledges; its
        # roles end (their terms stay in its history).
        for role in Role.objects.filter(organization=source).select_related("user", "organization"):
            _end_role(role, on=timezone.localdate(), reason=_("组织撤并"))
        Organization.objects.filter(pk=source.pk).update(active=False)
    source.refresh_from_db()
    return moved


def transfer_out(member: Member, *, by, on: datetime.date, to: str, reason: str = "") -> Member:
    """组织关系转出: the member leaves the district's rosters, kept with the date, the reason and
    the destination (deactivated, never deleted). Done from above the branch (the organisation
    department of the 党委 issues the transfer), like every restructuring."""
    require(access.can_manage_strictly_below(by, member.branch))
    if not member.active:
        raise ValidationError(_("该党员已减少。"))
    to = (to or "").strip()
    if not to:
        raise ValidationError({"to": _("请填写转往单位。")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("转出日期不能晚于今天。")})
    fields = {
        "active": False,
        "deactivated_on": on,
        "deactivation_reason": (reason or "").strip() or _("组织关系转出"),
        "transferred_to": to,
    }
    model_update(member, fields, by=by)
    return member


def transfer_in(branch: Organization, *, by, on: datetime.date, origin: str, **fields) -> Member:
    """组织关系转入: a member joins the branch's roster from outside the district, with the date
    and where they came from; from above the branch, as transfer_out."""
    require(access.can_manage_strictly_below(by, branch))
    origin = (origin or "").strip()
    if not origin:
        raise ValidationError({"origin": _("请填写转自单位。")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("转入日期不能晚于今天。")})
    with audited(by=by):
        member = create_member(branch, by=by, **fields)
        member.transferred_from, member.transferred_in_on = origin[:200], on
        member.save(update_fields=["transferred_from", "transferred_in_on"])
    return member


def start_import(kind: str, upload, *, by, default_branch: Organization | None = None) -> Job:
    """Stores a roster (importing.MEMBERS) or tree (TREE) file and has a worker import it once
    the transaction commits; the returned job's page follows it. The checks the import itself
    repeats are made now too, so a refusal shows on the form rather than on the job."""
    require(access.can_manage_anything(by))
    if default_branch is not None:
        require(access.can_manage(by, default_branch))
    importing.check_size(upload)
    if kind == importing.MEMBERS:
        title = _("导入党员名册：%(name)s") % {"name": upload.name}
        back = (reverse("orgs:import_members"), _("返回导入党员名册"))
    else:
        title = _("导入组织架构：%(name)s") % {"name": upload.name}
        back = (reverse("orgs:import_tree"), _("返回导入组织架构"))
    params = {
        "default_branch": default_branch.pk if default_branch else None,
        "back_url": back[0],
        "back_label": back[1],
    }
    return jobs.start_job(
        kind=kind,
        title=title,
        owner=by,
        task=import_job_task,
        scope=default_branch.name if default_branch else "",
        params=params,
        upload=upload,
    )
