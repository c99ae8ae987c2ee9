import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs import services
from orgs.importing import ImportRejected, RowError, import_tree, tree_template_xlsx
from orgs.models import Grade, Organization, OrgKind, Sector

from ..factories import UserFactory
from .test_import_members import csv_upload, xlsx_upload

NO_PROBLEMS = ([], [], [], [], [])


def _org(path: str) -> Organization:
    """The organisation at a path of names, walking down from the root."""
    names = path.split("/")
    org = Organization.objects.get(depth=1, name=names[0])
    for name in names[1:]:
        org = Organization.objects.get(path__startswith=org.path, depth=org.depth + 1, name=name)
    return org


def test_it_creates_organisations_with_their_missing_levels(district, ada):
    upload = xlsx_upload(
        [
            ["序号", "组织路径", "组织类型", "领域", "分类定级"],
            [1, "某某区委/南湖镇党委/一村党支部", "", "农村", "一类"],
            [2, "某某区委/南湖镇党委/二村党支部", "", "", "三类"],
            [3, "某某区委/东城街道党工委/新风社区党总支", "", "", ""],
            [4, "某某区委/东城街道党工委/新风社区党总支/第一党支部", "", "", ""],
            [5, "某某区委/东城街道党工委/幸福社区党支部/楼栋党小组", "党小组", "", ""],
            [6, "某某区委/西山镇党委/红旗村党支部/老党员服务队", "党小组", "", ""],
        ],
        title="某某区党组织名单",
    )

    result = import_tree(upload, by=ada)

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (7, 0, 0)
    assert Organization.objects.find_problems() == NO_PROBLEMS
    town = _org("某某区委/南湖镇党委")  # no row of its own: kind from the name, sector from below
    assert (town.kind, town.sector, town.grade) == (OrgKind.COMMITTEE, Sector.RURAL, "")
    village = _org("某某区委/南湖镇党委/一村党支部")
    assert (village.kind, village.sector, village.grade) == (OrgKind.BRANCH, Sector.RURAL, "1")
    second = _org("某某区委/南湖镇党委/二村党支部")
    assert (second.sector, second.grade) == (Sector.RURAL, "3")  # the parent's sector
    general = _org("某某区委/东城街道党工委/新风社区党总支")
    assert general.kind == OrgKind.GENERAL_BRANCH
    assert general.sector == Sector.COMMUNITY  # the parent's, 东城街道 is a community sector
    assert (
        Organization.objects.get_parent(_org("某某区委/东城街道党工委/新风社区党总支/第一党支部"))
        == general
    )
    group = _org("某某区委/西山镇党委/红旗村党支部/老党员服务队")
    assert (group.kind, group.sector) == (OrgKind.GROUP, Sector.RURAL)
    # New siblings come after the existing children, in file order.
    names = [org.name for org in Organization.objects.get_children(district.root)]
    assert names == ["东城街道党工委", "西山镇党委", "南湖镇党委"]
    names = [org.name for org in Organization.objects.get_children(district.east)]
    assert names == ["幸福社区党支部", "和平社区党支部", "新风社区党总支"]


def test_it_leaves_a_tree_that_treebeard_keeps_building(district, ada):
    upload = csv_upload([["组织路径"], ["某某区委/南湖镇党委/一村党支部"]])
    assert import_tree(upload, by=ada).ok
    town = _org("某某区委/南湖镇党委")

    services.create_organization(town, by=ada, name="二村党支部", kind=OrgKind.BRANCH)

    assert [org.name for org in Organization.objects.get_children(town)] == [
        "一村党支部",
        "二村党支部",
    ]
    assert Organization.objects.find_problems() == NO_PROBLEMS


def test_it_imports_nothing_and_names_every_bad_row(district, ada):
    upload = xlsx_upload(
        [
            ["组织路径", "组织类型", "领域", "分类定级"],
            ["某某区委/南湖镇党委/一村党支部", "", "", ""],
            ["某某区委//二村党支部", "", "", ""],
            ["某某区委/南湖镇党委/服务中心", "", "", ""],
            ["某某区委/南湖镇党委/三村党支部", "党部", "海洋", "四类"],
            ["某某区委/北片/四村党支部", "", "", ""],
            ["某某区委/南湖镇党委/一村党支部", "", "", ""],
        ],
        title=None,
    )

    result = import_tree(upload, by=ada)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "组织路径"),
        (4, "组织类型"),
        (5, "组织类型"),
        (5, "领域"),
        (5, "分类定级"),
        (6, "组织路径"),
        (7, "组织路径"),
    ]
    messages = [e.message for e in result.errors]
    assert "空的一级" in messages[0]
    assert "服务中心" in messages[1]
    assert "党委、党工委、党总支、党支部、党小组" in messages[2]
    assert "北片" in messages[5]
    assert messages[6] == "与第 2 行重复。"
    assert not Organization.objects.filter(name__in=["南湖镇党委", "一村党支部"]).exists()


def test_it_changes_nothing_when_the_same_file_comes_again(district, ada):
    rows = [
        ["组织路径", "类型", "领域", "定级"],
        ["某某区委", "", "", ""],
        ["某某区委/东城街道党工委/幸福社区党支部", "党支部", "社区", ""],
        ["某某区委/南湖镇党委/一村党支部", "", "农村", "二类"],
    ]
    first = import_tree(csv_upload(rows), by=ada)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 2)
    before = list(Organization.objects.values_list("path", "name", "kind", "sector", "grade"))

    again = import_tree(csv_upload(rows), by=ada)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    after = list(Organization.objects.values_list("path", "name", "kind", "sector", "grade"))
    assert after == before
    assert Organization.objects.find_problems() == NO_PROBLEMS


def test_it_updates_kind_sector_and_grade_of_existing_organisations(district, ada):
    rows = [
        ["组织路径", "分类定级", "领域"],
        ["某某区委/东城街道党工委/和平社区党支部", "二类", "学校"],
    ]

    result = import_tree(csv_upload(rows), by=ada)

    assert (result.created, result.updated) == (0, 1)
    district.peace.refresh_from_db()
    assert (district.peace.grade, district.peace.sector) == (Grade.SECOND, Sector.SCHOOL)


def test_it_lets_a_secretary_add_only_below_her_own_organisation(district, alice):
    rows = [
        ["组织路径"],
        ["某某区委/东城街道党工委/幸福社区党支部/第一党小组"],
        ["某某区委/东城街道党工委/新风社区党支部"],
        ["某某区委/西山镇党委/红旗村党支部/第一党小组"],
        ["新区委/某某镇党委"],
    ]

    result = import_tree(csv_upload(rows), by=alice)

    assert [e.row for e in result.errors] == [3, 4, 5]
    assert result.errors[0].message == "您无权在“东城街道党工委”下新建组织。"
    # 西山镇 is outside Alice's scope: it reads as missing, and then its parent refuses her.
    assert result.errors[1].message == "您无权在“某某区委”下新建组织。"
    assert "顶级党组织" in result.errors[2].message
    rows = rows[:2]
    assert import_tree(csv_upload(rows), by=alice).created == 1


def test_it_refuses_changes_to_an_organisation_the_user_does_not_manage(district, alice):
    rows = [["组织路径", "领域"], ["某某区委/东城街道党工委", "机关"], ["某某区委", "机关"]]

    result = import_tree(csv_upload(rows), by=alice)

    # The district's sector is already 机关, so that row changes nothing and is fine.
    assert result.errors == [RowError(2, "组织路径", "您无权修改“东城街道党工委”。")]


def test_it_lets_only_a_superuser_create_a_new_top_level_organisation(district, ada):
    rows = [["组织路径"], ["新区委/某某镇党委/某某村党支部"]]

    assert [e.row for e in import_tree(csv_upload(rows), by=ada).errors] == [2]

    root_user = UserFactory(username="root", is_superuser=True)
    result = import_tree(csv_upload(rows), by=root_user)
    assert result.created == 3
    new_root = Organization.objects.get(depth=1, name="新区委")
    assert new_root.path > district.root.path
    assert Organization.objects.find_problems() == NO_PROBLEMS


def test_it_refuses_a_new_child_of_a_closed_organisation(district, ada):
    services.deactivate_organization(district.peace, by=ada)
    rows = [["组织路径"], ["某某区委/东城街道党工委/和平社区党支部/第一党小组"]]

    result = import_tree(csv_upload(rows), by=ada)

    assert result.errors == [RowError(2, "组织路径", "“和平社区党支部”已撤销，不能新建下级组织。")]


def test_it_refuses_a_file_without_a_path_column(district, ada):
    with pytest.raises(ImportRejected, match="组织路径"):
        import_tree(csv_upload([["序号", "备注"], ["1", "某某区委"]]), by=ada)


def test_it_refuses_someone_who_manages_nothing(district, charlie):
    with pytest.raises(PermissionDenied):
        import_tree(csv_upload([["组织路径"], ["某某区委/新党支部"]]), by=charlie)


def _count_queries(ada, n):
    ada = type(ada).objects.get(pk=ada.pk)
    rows = [["组织路径"]] + [[f"某某区委/片区{n}党委/第{i}党支部"] for i in range(n)]
    with CaptureQueriesContext(connection) as queries:
        assert import_tree(csv_upload(rows), by=ada).created == n + 1
    return len(queries)


def test_it_runs_the_same_number_of_queries_for_5_and_50_organisations(district, ada):
    assert _count_queries(ada, 5) == _count_queries(ada, 50)


def test_it_offers_a_template_that_imports_as_it_is(district):
    root_user = UserFactory(username="root", is_superuser=True)
    upload = SimpleUploadedFile("党组织导入模板.xlsx", tree_template_xlsx())

    result = import_tree(upload, by=root_user)

    assert result.ok, result.errors
    assert _org("某某区委/某某镇党委/某某村党支部").grade == Grade.FIRST


def test_it_keeps_names_as_written_and_matches_them_loosely(district, ada):
    rows = [["组织路径"], ["某某区委／西山镇党委／某某公司（集团）党委"]]
    assert import_tree(csv_upload(rows), by=ada).created == 1
    assert _org("某某区委/西山镇党委/某某公司（集团）党委").kind == OrgKind.COMMITTEE

    rows = [["组织路径"], ["某某区委 / 西山镇党委 / 某某公司(集团)党委"]]
    result = import_tree(csv_upload(rows), by=ada)

    assert (result.created, result.unchanged) == (0, 1)
