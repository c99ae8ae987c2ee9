"""The roster as an export (core.exports): exactly the members the roster page lists for the same
filters, in the same order, with the ID number masked unless the user is an admin."""

from operator import itemgetter

from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import Column, Table, exported_at, queryset_table, register

from . import access, selectors
from .forms import MemberFilter
from .models import (
    Gender,
    Grade,
    MemberCategory,
    Organization,
    OrgKind,
    Sector,
    mask_id_number,
)


def _filters_text(data: dict) -> str:
    parts = []
    if data.get("direct") == "1":
        parts.append(_("仅本级"))
    if data.get("q"):
        parts.append(_("搜索“%(q)s”") % {"q": data["q"]})
    for name, label in (("category", _("类别")), ("gender", _("性别"))):
        if data.get(name):
            parts.append(f"{label}={data[name]}")
    status = data.get("status", "1")
    parts.append({"all": _("全部党员"), "0": _("已减少")}.get(status, _("在册")))
    return "，".join(parts)


def roster_table(params: dict, user) -> Table:
    """params: org (id), direct, q, category, gender, status, dates."""
    org = Organization.objects.get(pk=params["org"])
    if not access.in_scope(user, org):
        raise PermissionError("out of scope")
    data = {k: v for k, v in params.items() if k in ("q", "category", "gender", "status")}
    members = MemberFilter(
        data, queryset=selectors.roster(org, direct=params.get("direct") == "1")
    ).qs
    admin = access.is_admin(user)
    # Plain tuples, labels translated once: 100,000 rows make no model instance and call no
    # gettext per row.
    fields = ("name", "gender", "birth_date", "join_date", "category", "phone", "id_number")
    rows = members.values_list(*fields, "branch__name", "active")
    genders = {value: str(label) for value, label in Gender.choices}
    categories = {value: str(label) for value, label in MemberCategory.choices}
    standing = {True: _("在册"), False: _("已减少")}

    def id_number(row) -> str:
        return (row[6] or "") if admin else mask_id_number(row[6])

    columns = [
        Column(_("姓名"), itemgetter(0), 10),
        Column(_("性别"), lambda r: genders.get(r[1], ""), 6),
        Column(_("出生日期"), itemgetter(2), 14, "date"),
        Column(_("入党时间"), itemgetter(3), 14, "date"),
        Column(_("岗位类别"), lambda r: categories.get(r[4], ""), 14),
        Column(_("联系电话"), itemgetter(5), 15),
        Column(_("公民身份号码"), id_number, 21),
        Column(_("所在党组织"), itemgetter(7), 26),
        Column(_("状态"), lambda r: standing[r[8]], 8),
    ]
    now = timezone.localtime()
    title = _("%(org)s党员名册（%(filters)s）导出于 %(time)s") % {
        "org": org.name,
        "filters": _filters_text({**params, **data}),
        "time": now.strftime("%Y-%m-%d %H:%M"),
    }
    return queryset_table(_("党员名册"), title, columns, rows, params, chunk=5000)


register("orgs.roster", roster_table)


def organizations_table(params: dict, user) -> Table:
    """The organisations of a subtree in tree order, with their active members (the counter
    rows, orgs/rollups.py). params: org, dates."""
    org = Organization.objects.get(pk=params["org"])
    if not access.in_scope(user, org):
        raise PermissionError("out of scope")
    rows = (
        Organization.objects.within(org)
        .order_by("path")
        .values_list("path", "depth", "name", "kind", "sector", "grade", "active", "tally__members")
    )
    kinds = {value: str(label) for value, label in OrgKind.choices}
    sectors = {value: str(label) for value, label in Sector.choices}
    grades = {value: str(label) for value, label in Grade.choices}
    standing = {True: _("正常"), False: _("已撤销")}
    columns = [
        Column(_("党组织名称"), lambda r: "　" * (r[1] - org.depth) + r[2], 36),
        Column(_("组织类型"), lambda r: kinds.get(r[3], ""), 14),
        Column(_("行业领域"), lambda r: sectors.get(r[4], ""), 12),
        Column(_("层级"), lambda r: r[1] - org.depth + 1, 6, "number"),
        Column(_("分类定级"), lambda r: grades.get(r[5], ""), 10),
        Column(_("在册党员（本级）"), lambda r: r[7] or 0, 14, "number"),
        Column(_("状态"), lambda r: standing[r[6]], 8),
    ]
    title = _("%(org)s及下级党组织 导出于 %(time)s") % {
        "org": org.name,
        "time": exported_at(),
    }
    return queryset_table(_("党组织"), title, columns, rows, params, chunk=5000)


register("orgs.organizations", organizations_table)
