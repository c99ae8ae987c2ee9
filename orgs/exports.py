"""The roster as an export (core.exports): exactly the members the roster page lists for the same
filters, in the same order, with the ID number masked unless the user is an admin."""

from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import Column, Table, register

from . import access, selectors
from .forms import MemberFilter
from .models import Organization, mask_id_number


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

    def id_number(member) -> str:
        return member.id_number or "" if admin else mask_id_number(member.id_number)

    columns = [
        Column(_("姓名"), lambda m: m.name, 10),
        Column(_("性别"), lambda m: m.get_gender_display(), 6),
        Column(_("出生日期"), lambda m: m.birth_date, 14, "date"),
        Column(_("入党时间"), lambda m: m.join_date, 14, "date"),
        Column(_("岗位类别"), lambda m: m.get_category_display(), 14),
        Column(_("联系电话"), lambda m: m.phone, 15),
        Column(_("公民身份号码"), id_number, 21),
        Column(_("所在党组织"), lambda m: m.branch.name, 26),
        Column(_("状态"), lambda m: _("在册") if m.active else _("已减少"), 8),
    ]
    now = timezone.localtime()
    title = _("%(org)s党员名册（%(filters)s）导出于 %(time)s") % {
        "org": org.name,
        "filters": _filters_text({**params, **data}),
        "time": now.strftime("%Y-%m-%d %H:%M"),
    }
    return Table(
        name=_("党员名册"),
        title=title,
        columns=columns,
        rows=members.iterator(chunk_size=2000),
        dates=params.get("dates", "chinese"),
        count=members.count(),
    )


register("orgs.roster", roster_table)
