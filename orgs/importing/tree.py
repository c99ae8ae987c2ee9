"""The organisation-tree import: import_tree, its row checks and its writes.

Each row names an organisation by its path of names from the root (某某区委/某某镇党委/某某村党支部)
and may give its type, sector and grade. _TreePlan matches the rows to the tree the user may reach,
adds the missing intermediate levels, checks that every new organisation hangs under one the user
manages, and only when no row has an error gives the new organisations treebeard paths and writes
them, with the changed ones, in one transaction.
"""

from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import audited
from core.bulk import BATCH_SIZE
from core.services import one_at_a_time, require

from .. import access
from ..models import Grade, Organization, OrgKind, Sector, kind_from_name, path_step
from .base import (
    IMPORT_LOCK,
    READ_SHARE,
    BadCell,
    ImportRejected,
    ImportResult,
    Progress,
    RowError,
    Table,
)
from .errors import RowErrors
from .reading import blank, cached, cell_text, lookup, name_key, open_table, split_path
from .scope import ORG_ONLY, orgs_with_keys, scope_orgs, tree_state

MAX_DEPTH = 255 // Organization.steplen  # treebeard's path column holds 255 characters

# The headers a file may use for each column: data the header row is matched against, so they are
# not translated (matching must not depend on the active language).
TREE_COLUMNS = {
    "path": (
        "组织路径",
        "党组织路径",
        "路径",
        "党组织",
        "组织名称",
        "组织全称",
        "党组织名称",
        "党组织全称",
        "名称",
    ),
    "kind": ("组织类型", "类型", "党组织类型", "组织类别"),
    "sector": ("领域", "所属领域", "行业领域"),
    "grade": ("分类定级", "类别", "定级", "等级"),
}
KINDS = {name_key(str(label)): value for value, label in OrgKind.choices}
KINDS |= {value: value for value in OrgKind.values} | {"总支": OrgKind.GENERAL_BRANCH}
KINDS |= {"支部": OrgKind.BRANCH}
KIND_CHOICES = "、".join(str(label) for label in OrgKind.labels)
SECTORS = {name_key(str(label)): value for value, label in Sector.choices}
SECTORS |= {value: value for value in Sector.values}
SECTOR_VARIANTS = {
    Sector.RURAL: ("村", "乡村"),
    Sector.GOVERNMENT: ("党政机关", "机关单位"),
    Sector.PUBLIC_INSTITUTION: ("事业",),
    Sector.STATE_ENTERPRISE: ("国企", "国有"),
    Sector.PRIVATE_ENTERPRISE: ("非公企业", "非公", "非公有制经济组织", "民营企业"),
    Sector.SCHOOL: ("高校", "中小学", "学校"),
    Sector.RETIRED: ("离退休干部", "老干部"),
}
SECTORS |= {word: value for value, words in SECTOR_VARIANTS.items() for word in words}
SECTOR_CHOICES = "、".join(str(label) for label in Sector.labels)
GRADES = {name_key(str(label)): value for value, label in Grade.choices}
GRADES |= {value: value for value in Grade.values} | {"一": "1", "二": "2", "三": "3"}
GRADES |= {f"{label}党组织": value for value, label in Grade.choices}
GRADE_CHOICES = "、".join(str(label) for label in Grade.labels)
UNKNOWN_SECTOR = gettext_lazy("无法识别的领域“%(value)s”，可填：%(choices)s。")
UNKNOWN_GRADE = gettext_lazy("无法识别的分类定级“%(value)s”，可填：%(choices)s。")


def _kind(value) -> str:
    text = name_key(cell_text(value))
    kind = KINDS.get(text) or kind_from_name(text)  # 联合党支部, 临时党委
    if kind is None:
        raise BadCell(
            _("无法识别的组织类型“%(value)s”，可填：%(choices)s。")
            % {"value": cell_text(value), "choices": KIND_CHOICES}
        )
    return kind


def _sector(value) -> str:
    return lookup(SECTORS, SECTOR_CHOICES, UNKNOWN_SECTOR, value)


def _grade(value) -> str:
    return lookup(GRADES, GRADE_CHOICES, UNKNOWN_GRADE, value)


TREE_PARSERS = {"kind": _kind, "sector": _sector, "grade": _grade}


@dataclass(slots=True)
class _TreeRow:
    row: int
    names: list[str]
    fields: dict  # kind, sector, grade where the cells are filled

    @property
    def keys(self) -> tuple:
        return tuple(name_key(name) for name in self.names)


@dataclass(eq=False, slots=True)
class _NewOrg:
    names: list[str]
    row: int  # the row that asked for it (its own, or its first child's)
    kind: str | None
    sector: str = ""
    grade: str = ""
    from_row: bool = True
    parent: "Organization | _NewOrg | None" = None
    path: str = ""
    numchild: int = 0


def import_tree(
    uploaded,
    *,
    by,
    progress: Progress | None = None,
    before_write: Callable[[], None] | None = None,
) -> ImportResult:
    """Imports organisations given by their paths of names (某某区委/某某镇党委/某某村党支部).

    All rows or, if any row is wrong, none. An existing organisation (same path of names) is
    updated where the file's type, sector or grade differ; missing organisations are created, with
    any missing intermediate levels, under an existing organisation `by` manages. Only a superuser
    may create a top-level organisation. `progress` and `before_write` as for import_members.
    """
    require(access.can_manage_anything(by))
    table = open_table(uploaded, TREE_COLUMNS, key="path")
    errors = RowErrors(by)
    rows = _read_tree_rows(table, errors, progress)
    if not rows and not errors:
        raise ImportRejected(_("表头下面没有党组织数据。"))
    state = tree_state(by)
    plan = _plan_tree(rows, table, by, errors)
    if errors:
        return errors.result(table)
    if progress is not None:
        progress(READ_SHARE)
    with audited(by=by):
        one_at_a_time(IMPORT_LOCK)
        if before_write is not None:
            before_write()
        if tree_state(by) != state:
            # Someone changed the tree meanwhile: match the rows again.
            plan = _plan_tree(rows, table, by, errors)
            if errors:
                return errors.result(table)
        plan.write()
    return ImportResult(len(plan.new), len(plan.changed), plan.unchanged)


def _plan_tree(rows, table: Table, by, errors) -> "_TreePlan":
    plan = _TreePlan(by, table, {row.keys[0] for row in rows})
    for row in rows:
        plan.take(row, errors)
    plan.add_missing_parents(errors)
    plan.check_places(errors)
    return plan


def _read_tree_rows(
    table: Table, errors: list[RowError], progress: Progress | None
) -> list[_TreeRow]:
    caches = {name: {} for name in TREE_PARSERS}
    parsers = [
        (name, position, header, TREE_PARSERS[name], caches[name])
        for name, (position, header) in table.columns.items()
        if name in TREE_PARSERS
    ]
    path_at, path_header = table.columns["path"]
    used = [position for position, _ in table.columns.values()]
    rows = []
    for number, cells in table.rows:
        table.report(progress, number)
        width = len(cells)
        if all(position >= width or blank(cells[position]) for position in used):
            continue
        fields = {}
        for name, position, header, parse, cache in parsers:
            value = cells[position] if position < width else None
            if not blank(value):
                outcome = cached(parse, cache, value)
                if isinstance(outcome, BadCell):
                    errors.append(RowError(number, header, outcome.message))
                else:
                    fields[name] = outcome
        text = cell_text(cells[path_at]) if path_at < width else ""
        try:
            names = split_path(text) if text else []
        except BadCell as bad:
            errors.append(RowError(number, path_header, bad.message))
            continue
        if not names:
            errors.append(RowError(number, path_header, _("组织路径不能为空。")))
        elif len(names) > MAX_DEPTH:
            message = _("层级过多（最多 %(max)s 级）。") % {"max": MAX_DEPTH}
            errors.append(RowError(number, path_header, message))
        elif any(len(name) > Organization._meta.get_field("name").max_length for name in names):
            errors.append(RowError(number, path_header, _("组织名称过长，请核对。")))
        else:
            rows.append(_TreeRow(number, names, fields))
    return rows


AMBIGUOUS = object()


class _TreePlan:
    """The existing tree as `by` may reach it, and the changes the rows ask for."""

    def __init__(self, by, table: Table, root_keys: set[str]):
        self.by = by
        self.table = table
        self.existing: dict[tuple, Organization | object] = {}
        for org, keys in orgs_with_keys(scope_orgs(by, root_keys)):
            self.existing[keys] = AMBIGUOUS if keys in self.existing else org
        self.seen: dict[tuple, int] = {}
        self.new: dict[tuple, _NewOrg] = {}
        self.changed: list[Organization] = []
        self.unchanged = 0

    def _error(self, row: int, column: str, message: str, errors: list[RowError]) -> None:
        header = self.table.header(column) if column in self.table.columns else ""
        errors.append(RowError(row, header, message))

    def take(self, row: _TreeRow, errors: list[RowError]) -> None:
        keys, name = row.keys, row.names[-1]
        if keys in self.seen:
            message = _("与第 %(row)s 行重复。") % {"row": self.seen[keys]}
            self._error(row.row, "path", message, errors)
            return
        self.seen[keys] = row.row
        org = self.existing.get(keys)
        if org is AMBIGUOUS:
            message = _("已有多个同名的“%(name)s”，无法确定是哪一个，请先在系统中改名。") % {
                "name": name
            }
            self._error(row.row, "path", message, errors)
        elif org is not None:
            self._update(org, row, errors)
        else:
            kind = row.fields.get("kind") or kind_from_name(name)
            if kind is None:
                message = _(
                    "无法从名称判断“%(name)s”的组织类型，请填写组织类型（%(choices)s）。"
                ) % {"name": name, "choices": KIND_CHOICES}
                self._error(
                    row.row, "kind" if "kind" in self.table.columns else "path", message, errors
                )
            grade = row.fields.get("grade", "")
            self.new[keys] = _NewOrg(row.names, row.row, kind, row.fields.get("sector", ""), grade)

    def _update(self, org: Organization, row: _TreeRow, errors: list[RowError]) -> None:
        changes = {k: v for k, v in row.fields.items() if getattr(org, k) != v}
        if not changes:
            self.unchanged += 1
        elif not access.can_manage(self.by, org):
            message = _("您无权修改“%(name)s”。") % {"name": org.name}
            self._error(row.row, "path", message, errors)
        else:
            for attribute, value in changes.items():
                setattr(org, attribute, value)
            self.changed.append(org)

    def add_missing_parents(self, errors: list[RowError]) -> None:
        """Links each new organisation to its parent, creating levels that have no row of their own.

        Such a level takes its type from its name and its sector from the row below it.
        """
        pending = deque(self.new.values())
        while pending:
            node = pending.popleft()
            keys = tuple(name_key(name) for name in node.names[:-1])
            if not keys:
                continue
            parent = self.existing.get(keys) or self.new.get(keys)
            if parent is AMBIGUOUS:
                message = _("已有多个同名的“%(name)s”，无法确定是哪一个，请先在系统中改名。") % {
                    "name": node.names[-2]
                }
                self._error(node.row, "path", message, errors)
            elif parent is None:
                name = node.names[-2]
                kind = kind_from_name(name_key(name))
                if kind is None:
                    message = _(
                        "无法判断上级组织“%(name)s”的类型，请为它单独写一行并填写组织类型。"
                    ) % {"name": name}
                    self._error(node.row, "path", message, errors)
                parent = _NewOrg(node.names[:-1], node.row, kind, node.sector, from_row=False)
                self.new[keys] = parent
                pending.append(parent)
            node.parent = parent

    def check_places(self, errors: list[RowError]) -> None:
        """Each new organisation must hang under an active organisation `by` manages."""
        verdicts: dict[int | None, str] = {}
        for node in self.new.values():
            if not node.from_row:
                continue  # answered for on the row below it
            top = node
            while isinstance(top.parent, _NewOrg):
                top = top.parent
            anchor = top.parent
            if anchor is AMBIGUOUS:
                continue  # already an error
            pk = anchor.pk if anchor is not None else None
            if pk not in verdicts:
                verdicts[pk] = self._refusal(anchor, top)
            if verdicts[pk]:
                self._error(node.row, "path", verdicts[pk], errors)

    def _refusal(self, anchor: Organization | None, top: _NewOrg) -> str:
        if anchor is None:
            if self.by.is_superuser:
                return ""
            return _(
                "“%(name)s”不是已有的顶级党组织：路径应从顶级党组织写起，"
                "如“某某区委/某某镇党委/某某村党支部”；新建顶级党组织需由系统管理员导入。"
            ) % {"name": top.names[0]}
        if not access.can_manage(self.by, anchor):
            return _("您无权在“%(name)s”下新建组织。") % {"name": anchor.name}
        if not anchor.active:
            return _("“%(name)s”已撤销，不能新建下级组织。") % {"name": anchor.name}
        return ""

    def write(self) -> None:
        """Gives the new organisations treebeard paths after their parent's last child, and inserts.

        The parents that gain children are re-read under lock first, so a child added meanwhile
        (services.create_organization locks the parent too) never gets the same path.
        """
        nodes = sorted(self.new.values(), key=lambda node: len(node.names))
        anchors = {n.parent.pk for n in nodes if isinstance(n.parent, Organization)}
        locked = Organization.objects.select_for_update().filter(pk__in=anchors).only(*ORG_ONLY)
        locked = {org.pk: org for org in locked}
        last = self._last_steps(locked.values())
        for node in nodes:
            parent = node.parent
            if isinstance(parent, Organization):
                parent = locked[parent.pk]
            node.sector = node.sector or (parent.sector if parent is not None else "")
            parent_path = parent.path if parent is not None else ""
            last[parent_path] += 1
            node.path = parent_path + path_step(last[parent_path])
            if parent is not None:
                parent.numchild += 1
        Organization.objects.bulk_create(
            [
                Organization(
                    name=node.names[-1],
                    kind=node.kind,
                    sector=node.sector,
                    grade=node.grade,
                    path=node.path,
                    depth=len(node.names),
                    numchild=node.numchild,
                )
                for node in sorted(nodes, key=lambda node: node.path)
            ],
            batch_size=BATCH_SIZE,
        )
        Organization.objects.bulk_update(self.changed, ["kind", "sector", "grade"], BATCH_SIZE)
        Organization.objects.bulk_update(locked.values(), ["numchild"], BATCH_SIZE)

    def _last_steps(self, parents) -> dict[str, int]:
        """The last child step in use under each parent that gains children ("" for the roots)."""
        step = Organization.steplen
        under = Q(pk__in=[])
        for org in parents:
            under |= Q(path__startswith=org.path, depth=org.depth + 1)
        if any(node.parent is None for node in self.new.values()):
            under |= Q(depth=1)
        last: dict[str, int] = defaultdict(int)
        for path in Organization.objects.filter(under).values_list("path", flat=True):
            parent_path, position = path[:-step], int(path[-step:], 36)
            last[parent_path] = max(last[parent_path], position)
        return last
