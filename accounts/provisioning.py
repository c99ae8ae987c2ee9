"""Bulk provisioning: accounts and roles from a sheet (姓名, 手机号码, 所在党组织, 角色).

It works like the roster import (orgs.importing): every row is read and checked first, then all
rows are written in one short transaction with bulk inserts, or, if any row is wrong, none, with
every bad row named. People are matched by their mobile number, so importing the same sheet again
changes nothing. New accounts get no password: their activation codes are made when the batch's
slips are downloaded (issue_slips), and only their digests are stored.
"""

import io
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import audited
from core.services import one_at_a_time, require
from orgs import access as org_access
from orgs import importing
from orgs import services as org_services
from orgs.importing import BadCell, ImportRejected, ImportResult, RowError, RowErrors, Table
from orgs.models import Organization, Role, RoleKind
from orgs.rules import clean_name

from . import access, codes, services
from .models import AccessCode, Batch, Profile, Purpose
from .rules import clean_mobile

User = get_user_model()
LOCK = "accounts.provision"
MAX_ROWS = 20000

COLUMNS = {
    "name": ("姓名",),
    "phone": ("手机号码", "手机号", "手机", "联系电话", "电话"),
    "org": ("所在党组织", "党组织", "所在组织", "组织", "单位"),
    "kind": ("角色", "职务", "岗位"),
}
# The role names a sheet may use, as compared (importing.name_key).
KINDS = {
    **{str(kind.label): kind.value for kind in RoleKind},
    "书记": RoleKind.SECRETARY,
    "副书记": RoleKind.SECRETARY,
    "党务工作者": RoleKind.SECRETARY,
    "组织委员": RoleKind.SECRETARY,
    "支部书记": RoleKind.SECRETARY,
    "领导": RoleKind.LEADER,
    "联系领导": RoleKind.LEADER,
    "办公室": RoleKind.OFFICE,
    "活动办": RoleKind.OFFICE,
    "管理员": RoleKind.ADMIN,
}
KIND_CHOICES = "、".join(str(label) for label in RoleKind.labels)
UNKNOWN_KIND = gettext_lazy("无法识别的角色“%(value)s”，可填：%(choices)s。")


@dataclass
class _Row:
    row: int
    name: str
    phone: str
    org: Organization
    kind: str


@dataclass
class Plan:
    new_people: dict[str, str] = field(default_factory=dict)  # phone → name
    existing: dict[str, object] = field(default_factory=dict)  # phone → user
    roles: list[tuple[str, int, str]] = field(default_factory=list)  # (phone, org id, kind)
    unchanged: int = 0


class _OrgFinder:
    """Finds the organisation a row names, by a path of names or a name unique in scope, among
    those where `by` may give some role."""

    def __init__(self, by):
        self.by = by
        self.by_tail: dict[tuple, list[Organization]] = {}
        for org, keys in importing.orgs_with_keys(importing.scope_orgs(by)):
            if org.active and org_access.grantable_kinds(by, org):
                for start in range(len(keys)):
                    self.by_tail.setdefault(keys[start:], []).append(org)
        self.cache: dict = {}

    def find(self, text: str):
        return importing.cached(self._find, self.cache, text)

    def _find(self, text: str) -> Organization:
        keys = tuple(importing.name_key(s) for s in importing.split_path(text))
        found = self.by_tail.get(keys, [])
        if len(found) == 1:
            return found[0]
        if found:
            raise BadCell(
                _("有 %(count)s 个党组织名为“%(name)s”，请写完整路径（用“/”分隔各级名称）。")
                % {"count": len(found), "name": text}
            )
        raise BadCell(
            _("在您可以授予角色的党组织中找不到“%(name)s”，请核对名称，或写完整路径。")
            % {"name": text}
        )


def provision(uploaded, *, by) -> tuple[ImportResult, Batch | None]:
    """Creates the sheet's accounts and roles, all or nothing. Returns the result and the batch
    of new accounts (None when the sheet changed nothing)."""
    require(org_access.can_manage_anything(by))
    importing.check_size(uploaded)
    table = importing.open_table(uploaded, COLUMNS, key="name")
    missing = [COLUMNS[name][0] for name in COLUMNS if name not in table.columns]
    if missing:
        raise ImportRejected(
            _("文件缺少“%(columns)s”列，请下载模板对照填写。") % {"columns": "”“".join(missing)}
        )
    errors = RowErrors(by)
    rows = _read_rows(table, by, errors)
    if not rows and not errors:
        raise ImportRejected(_("表头下面没有数据。"))
    if errors:
        return errors.result(table), None
    with audited(by=by):
        one_at_a_time(LOCK)
        plan = _plan(rows, table, errors)
        if errors:
            return errors.result(table), None
        batch = write(plan, by=by, title=getattr(uploaded, "name", "") or _("开通账号表"))
    result = ImportResult(
        created=len(plan.new_people), updated=len(plan.roles), unchanged=plan.unchanged
    )
    return result, batch


def _read_rows(table: Table, by, errors) -> list[_Row]:
    finder = _OrgFinder(by)
    kinds = {importing.name_key(k): v for k, v in KINDS.items()}
    rows, seen = [], {}
    for number, cells in table.rows:
        if number - 1 > MAX_ROWS:
            raise ImportRejected(_("一次最多导入 %(count)s 行。") % {"count": MAX_ROWS})
        values = {
            name: cells[position] if position < len(cells) else None
            for name, (position, _header) in table.columns.items()
        }
        if all(importing.blank(v) for v in values.values()):
            continue
        read, bad = {}, False
        for name, parse in (("name", _name), ("phone", clean_mobile), ("org", finder.find)):
            text = importing.cell_text(values[name])
            if importing.blank(text) or importing.placeholder(text):
                errors.append(RowError(number, table.header(name), _("不能为空。")))
                bad = True
                continue
            try:
                outcome = parse(text)
            except ValidationError as error:
                outcome = BadCell(error.messages[0])
            except BadCell as error:
                outcome = error
            if isinstance(outcome, BadCell):
                errors.append(RowError(number, table.header(name), outcome.message))
                bad = True
            else:
                read[name] = outcome
        try:
            read["kind"] = importing.lookup(kinds, KIND_CHOICES, UNKNOWN_KIND, values["kind"])
        except BadCell as error:
            errors.append(RowError(number, table.header("kind"), error.message))
            bad = True
        if bad:
            continue
        row = _Row(number, read["name"], read["phone"], read["org"], read["kind"])
        if not org_access.can_grant(by, row.org, row.kind):
            errors.append(
                RowError(
                    number,
                    table.header("kind"),
                    _("您不能在“%(org)s”授予“%(kind)s”角色。")
                    % {"org": row.org.name, "kind": RoleKind(row.kind).label},
                )
            )
            continue
        earlier = seen.get(row.phone)
        if earlier is not None and earlier.name != row.name:
            errors.append(
                RowError(
                    number,
                    table.header("phone"),
                    _("手机号码 %(phone)s 在第 %(row)s 行属于“%(name)s”，与本行姓名不符。")
                    % {"phone": row.phone, "row": earlier.row, "name": earlier.name},
                )
            )
            continue
        seen.setdefault(row.phone, row)
        rows.append(row)
    return rows


def _name(text: str) -> str:
    return clean_name(text, label=_("姓名"))


def _plan(rows: list[_Row], table: Table, errors) -> Plan:
    """Matches the rows against the people and roles as stored (inside the writing transaction,
    so nothing changes in between)."""
    plan = Plan()
    phones = sorted({row.phone for row in rows})
    for start in range(0, len(phones), 1000):
        for profile in Profile.objects.filter(
            phone__in=phones[start : start + 1000]
        ).select_related("user"):
            plan.existing[profile.phone] = profile.user
    held = set()
    users = [user.pk for user in plan.existing.values()]
    for start in range(0, len(users), 1000):
        held.update(
            Role.objects.filter(user_id__in=users[start : start + 1000]).values_list(
                "user_id", "organization_id", "kind"
            )
        )
    logins = set()
    new_phones = sorted({row.phone for row in rows} - set(plan.existing))
    for start in range(0, len(new_phones), 1000):
        logins.update(
            User.objects.filter(username__in=new_phones[start : start + 1000]).values_list(
                "username", flat=True
            )
        )
    planned = set()
    for row in rows:
        if row.phone in logins:
            errors.append(
                RowError(
                    row.row,
                    table.header("phone"),
                    _("手机号码 %(phone)s 是另一账号的登录名，不能用于新账号。")
                    % {"phone": row.phone},
                )
            )
            continue
        person = plan.existing.get(row.phone)
        if person is not None:
            if (person.first_name or "").strip() != row.name:
                errors.append(
                    RowError(
                        row.row,
                        table.header("name"),
                        _("手机号码 %(phone)s 已有账号，所填姓名“%(name)s”与账号不符。")
                        % {"phone": row.phone, "name": row.name},
                    )
                )
                continue
            if not person.is_active:
                errors.append(
                    RowError(
                        row.row,
                        table.header("name"),
                        _("手机号码 %(phone)s 的账号已停用，请先请其上级组织启用。")
                        % {"phone": row.phone},
                    )
                )
                continue
            if (person.pk, row.org.pk, row.kind) in held:
                plan.unchanged += 1
                continue
        else:
            plan.new_people.setdefault(row.phone, row.name)
        key = (row.phone, row.org.pk, row.kind)
        if key in planned:
            plan.unchanged += 1
            continue
        planned.add(key)
        plan.roles.append(key)
    return plan


def write(plan: Plan, *, by, title: str) -> Batch | None:
    """Writes a checked plan in bulk (inside the caller's transaction): the new people with
    their phones, the roles, and a batch of `by` holding the new accounts (None when the plan
    opens none, or `by` is None)."""
    if not plan.roles:
        return None
    # A new account's login name is its mobile number (_plan refused numbers that are another
    # account's login name); its password unusable ("!" and random text): no hashing, the person
    # chooses one with an activation code.
    new_users = [
        User(username=phone, first_name=name, password=make_password(None))
        for phone, name in plan.new_people.items()
    ]
    User.objects.bulk_create(new_users, batch_size=1000)
    created = {
        user.username: user
        for user in User.objects.filter(username__in=[u.username for u in new_users])
    }
    people = dict(plan.existing)
    profiles = []
    for user, (phone, _name) in zip(new_users, plan.new_people.items(), strict=True):
        person = created[user.username]
        people[phone] = person
        profiles.append(Profile(user=person, phone=phone))
    Profile.objects.bulk_create(profiles, batch_size=1000)
    today = timezone.localdate()
    Role.objects.bulk_create(
        [
            Role(user=people[phone], organization_id=org_id, kind=kind, started_on=today)
            for phone, org_id, kind in plan.roles
        ],
        batch_size=1000,
    )
    admins = {people[phone].pk for phone, _org, kind in plan.roles if kind == RoleKind.ADMIN}
    if admins:
        group = org_services.admin_group()
        group.user_set.add(*admins)
        User.objects.filter(pk__in=admins, is_staff=False).update(is_staff=True)
    if not created or by is None:
        return None
    # Only the accounts this sheet opened wait for its slips: an existing account's codes are
    # never handed to whoever lists its phone in a sheet.
    batch = Batch.objects.create(created_by=by, title=title[:200])
    batch.accounts.add(*created.values())
    return batch


# --- Slips ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slip:
    name: str
    login: str
    phone: str
    organizations: str
    code: str


def waiting_accounts(batch: Batch):
    """The batch's accounts that are still to be activated (no password chosen, never signed in)."""
    return (
        batch.accounts.filter(is_active=True, last_login__isnull=True, password__startswith="!")
        .select_related("profile")
        .order_by("pk")
    )


def issue_slips(batch: Batch, *, by) -> list[Slip]:
    """New activation codes for the batch's accounts still waiting, voiding every earlier code of
    theirs (a failed download loses nothing: issue again). Only the batch's author may."""
    require(
        (by.is_superuser or batch.created_by_id == by.pk) and org_access.can_manage_anything(by)
    )
    now = timezone.now()
    lifetime = services.code_lifetime(Purpose.ACTIVATE)
    with audited(by=by):
        one_at_a_time(LOCK)
        people = list(waiting_accounts(batch))
        # Still theirs to hand out: the author may have lost roles, or a person gained one.
        allowed = access.chargeable(by, [person.pk for person in people], org_access.GRANTS)
        people = [person for person in people if person.pk in allowed]
        ids = [person.pk for person in people]
        for start in range(0, len(ids), 1000):
            AccessCode.objects.filter(user_id__in=ids[start : start + 1000]).usable(now).update(
                voided_at=now
            )
        issued, rows = {}, []
        for person in people:
            code = codes.new_code()
            issued[person.pk] = code
            rows.append(
                AccessCode(
                    user=person,
                    purpose=Purpose.ACTIVATE,
                    digest=codes.digest(code),
                    batch=batch,
                    issued_by=by,
                    expires_at=now + lifetime,
                )
            )
        AccessCode.objects.bulk_create(rows, batch_size=1000)
        Batch.objects.filter(pk=batch.pk).update(issued=batch.issued + 1, issued_at=now)
    where: dict[int, list[str]] = {}
    for start in range(0, len(ids), 1000):
        for user_id, name, kind in (
            Role.objects.filter(user_id__in=ids[start : start + 1000])
            .order_by("organization__path")
            .values_list("user_id", "organization__name", "kind")
        ):
            where.setdefault(user_id, []).append(f"{name}（{RoleKind(kind).label}）")
    return [
        Slip(
            name=person.first_name or person.username,
            login=person.username,
            phone=getattr(getattr(person, "profile", None), "phone", "") or "",
            organizations="、".join(where.get(person.pk, [])),
            code=issued[person.pk],
        )
        for person in people
    ]


TEMPLATE_HEADERS = ["姓名", "手机号码", "所在党组织", "角色"]
TEMPLATE_EXAMPLE = ["张三", "13912345678", "某某区委/某某镇党委/某某村党支部", "书记/党务工作者"]


def template_xlsx(by) -> bytes:
    """The sheet to fill: header, an example row, the instructions and, on a sheet of its own,
    the paths of the organisations where `by` may give roles (to copy into 所在党组织)."""
    from openpyxl import load_workbook

    notes = [
        _("每行一个角色，第一行是表头；示例行请删除后再填写。同一人担任多个角色时写多行。"),
        _(
            "手机号码必填，是识别同一人的依据：已有账号的人按手机号码找到，不会重复建号；"
            "再次导入同一张表不会改变任何内容。"
        ),
        _(
            "所在党组织写完整路径（如“某某区委/某某镇党委/某某村党支部”），名称不重复时也可只写名称；"
            "可复制“党组织列表”中的路径。"
        ),
        _("角色：%(choices)s（也可写“书记”“副书记”“领导”“办公室”）。") % {"choices": KIND_CHOICES},
        _("新账号没有密码：导入后下载激活码单，每人用自己的激活码设置密码。"),
    ]
    lists = {"角色": ",".join(str(label) for label in RoleKind.labels)}
    content = importing.template_xlsx(
        _("开通账号"), TEMPLATE_HEADERS, TEMPLATE_EXAMPLE, notes, lists, text_columns={"手机号码"}
    )
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.create_sheet(_("党组织列表"))
    sheet.append([_("党组织路径"), _("可授予的角色")])
    sheet.column_dimensions["A"].width = 60
    sheet.column_dimensions["B"].width = 40
    names: dict[str, str] = {}
    for org in importing.scope_orgs(by):
        names[org.path] = org.name
        kinds = org_access.grantable_kinds(by, org) if org.active else ()
        if kinds:
            step = org.steplen
            path = "/".join(
                names.get(org.path[:end], "?") for end in range(step, len(org.path) + 1, step)
            )
            sheet.append(
                [path, "、".join(str(RoleKind(k).label) for k in RoleKind.values if k in kinds)]
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
