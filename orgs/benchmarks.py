"""Benchmarks of the organisation tree, rosters and imports (harness: core/benchmarks.py).

`bench_users` gives every app's page benchmarks the same places and people in the bench district.
"""

import hashlib
import random
from pathlib import Path
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from core.benchmarks import BenchContext, Benchmark, Skip, page

from .demo import People, large_tree
from .models import Member, MemberCategory, Organization, OrgKind, Role, RoleKind, Sector


def bench_users(ctx: BenchContext) -> SimpleNamespace:
    """The places and people page benchmarks use, made once per database and cached.

    office: office role on the root; secretary: secretary of a community branch of a street
    (`town`, `branch`).
    """
    if "orgs.users" not in ctx.cache:
        root = ctx.root
        towns = list(Organization.objects.filter(path__startswith=root.path, depth=2))
        town = next((t for t in towns if t.kind == OrgKind.WORKING_COMMITTEE), towns[0])
        branch = (
            Organization.objects.within(town)
            .filter(kind=OrgKind.BRANCH, sector=town.sector)
            .order_by("path")
            .first()
        )
        ctx.cache["orgs.users"] = SimpleNamespace(
            root=root,
            town=town,
            branch=branch,
            office=_user_with_role("bench-office", root, RoleKind.OFFICE),
            secretary=_user_with_role("bench-secretary", branch, RoleKind.SECRETARY),
        )
    return ctx.cache["orgs.users"]


def _user_with_role(username: str, org: Organization, kind: str):
    user, _ = get_user_model().objects.get_or_create(username=username)
    Role.objects.get_or_create(user=user, organization=org, kind=kind)
    return user


# --- Imports --------------------------------------------------------------------------------------

IMPORT_ORGS = 5000
IMPORT_MEMBERS = 100_000
IMPORT_FORMAT = 2  # bump when the generated files change, so that stale ones are not reused
BENCH_SURNAMES = ["欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "尉迟", "公孙"]
KIND_LABELS = dict(OrgKind.choices)
SECTOR_LABELS = dict(Sector.choices)


def _importer(function: str):
    try:
        from . import importing
    except ImportError as error:
        raise Skip(f"orgs.importing is not importable ({error})") from None
    if not hasattr(importing, function):
        raise Skip(f"orgs.importing has no {function}()")
    return getattr(importing, function)


def _write_xlsx(path: Path, header: list[str], rows) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    workbook.save(partial)
    partial.replace(path)


def _cached_file(ctx: BenchContext, stem: str, key: str, header: list[str], rows) -> bytes:
    """The xlsx for these rows under files_dir, written once and reused while `key` matches."""
    digest = hashlib.sha1(f"{IMPORT_FORMAT}:{key}".encode(), usedforsecurity=False).hexdigest()[:10]
    path = ctx.files_dir / f"{stem}-{digest}.xlsx"
    if not path.exists():
        _write_xlsx(path, header, rows())
    return path.read_bytes()


def _full_names(root: Organization) -> dict[str, str]:
    """Path → 测试区委/某某镇党委/某某村党支部 for every organisation under root, in one query."""
    names = dict(Organization.objects.within(root).values_list("path", "name"))
    step = Organization.steplen
    return {
        path: "/".join(names[path[:end]] for end in range(step, len(path) + 1, step))
        for path in names
    }


def _tree_rows(ctx: BenchContext, size: int) -> list[tuple[str, str, str]]:
    """`size` rows of a new tree under the existing root: root row, then towns renamed 新….

    The root row is unchanged; every other row is a new organisation.
    """
    spec, _ = large_tree(size, random.Random(1))
    spec.name = ctx.root.name
    for town in spec.children:
        town.name = "新" + town.name
    rows = []

    def walk(node, prefix):
        path = f"{prefix}/{node.name}" if prefix else node.name
        rows.append((path, str(KIND_LABELS[node.kind]), str(SECTOR_LABELS.get(node.sector, ""))))
        for child in node.children:
            walk(child, path)

    walk(spec, "")
    return rows


def tree_import_setup(ctx: BenchContext):
    import_tree = _importer("import_tree")
    # The district's size, at most the 1× district's: at --scale N the same file goes into a
    # district N times as large (what grows is the database, not the file).
    size = min(Organization.objects.within(ctx.root).count(), IMPORT_ORGS)
    rows = _tree_rows(ctx, size)
    key = "\n".join("\t".join(row) for row in rows)
    content = _cached_file(ctx, f"tree-{size}", key, ["组织路径", "组织类型", "领域"], lambda: rows)
    by = ctx.superuser

    def run():
        result = import_tree(SimpleUploadedFile("tree.xlsx", content), by=by)
        _check_import(result, expected_created=size - 1)
        return sum(_count(getattr(result, key, 0)) for key in ("created", "updated", "unchanged"))

    return run


def member_import_setup(ctx: BenchContext):
    import_members = _importer("import_members")
    # At most the 1× district's roster: 500,000 rows would pass the 20 MB upload limit (a district
    # that large imports its roster in parts); what grows at --scale N is the database.
    size = min(Member.objects.within(ctx.root).count(), IMPORT_MEMBERS)
    full_names = _full_names(ctx.root)
    branches = sorted(
        full_names[path]
        for path in Organization.objects.within(ctx.root)
        .filter(kind=OrgKind.BRANCH)
        .values_list("path", flat=True)
    )
    header = ["姓名", "性别", "出生日期", "入党时间", "所在党支部", "岗位类别", "联系电话"]
    content = _cached_file(
        ctx,
        f"members-{size}",
        f"{size}\n" + "\n".join(branches),
        header,
        lambda: _member_rows(size, branches),
    )
    by = ctx.superuser

    def run():
        result = import_members(SimpleUploadedFile("members.xlsx", content), by=by)
        _check_import(result, expected_created=size)
        return _count(result.created)

    return run


def _member_rows(size: int, branches: list[str]):
    """Rows that are all new members: the generator never makes compound surnames (欧阳…), and the
    importer knows a member by name and birth date."""
    rng = random.Random(2)
    people = People(rng)
    labels = dict(MemberCategory.choices)
    seen = set()  # the importer refuses two rows with the same name and birth date
    for i in range(size):
        member = people.member(0, "", "")
        name = rng.choice(BENCH_SURNAMES) + member.name[1:]
        while (name, member.birth_date) in seen:
            name = rng.choice(BENCH_SURNAMES) + people.name(member.gender)[1:]
        seen.add((name, member.birth_date))
        category = rng.choice(
            [MemberCategory.COMMUNITY, MemberCategory.GOVERNMENT, MemberCategory.ENTERPRISE]
        )
        yield (
            name,
            "男" if member.gender == "M" else "女",
            member.birth_date,
            member.join_date,
            branches[i % len(branches)],
            str(labels[category]),
            f"145{i:08d}",
        )


def _count(value) -> int:
    """ImportResult may count rows or list them."""
    return value if isinstance(value, int) else len(value)


def _check_import(result, *, expected_created: int) -> None:
    """A benchmark of an import that refused its rows would measure nothing: fail it instead."""
    errors = list(getattr(result, "errors", []) or [])
    if errors:
        shown = "; ".join(str(error) for error in errors[:3])
        raise AssertionError(f"the import reported {len(errors)} errors: {shown}")
    created = _count(result.created)
    if created != expected_created:
        raise AssertionError(f"expected {expected_created} new rows, the import created {created}")


BENCHMARKS = [
    page(
        "tree page (district)",
        lambda ctx: "/orgs/",
        as_user=lambda ctx: bench_users(ctx).office,
        rows=lambda ctx: 1 + ctx.root.numchild,
    ),
    page(
        "tree children (town)",
        lambda ctx: f"/orgs/{bench_users(ctx).town.pk}/children/",
        as_user=lambda ctx: bench_users(ctx).office,
        rows=lambda ctx: bench_users(ctx).town.numchild,
    ),
    page(
        "roster page (branch)",
        lambda ctx: f"/orgs/{bench_users(ctx).branch.pk}/members/",
        as_user=lambda ctx: bench_users(ctx).secretary,
        rows=lambda ctx: min(50, bench_users(ctx).branch.members.active().count()),
    ),
    # Not a target of its own: the same view as the branch roster over 100,000 members, to show
    # whether the roster's cost grows with the subtree.
    page(
        "roster page (district)",
        lambda ctx: f"/orgs/{ctx.root.pk}/members/",
        as_user=lambda ctx: bench_users(ctx).office,
        rows=lambda ctx: 50,
        target_ms=None,
    ),
    Benchmark(
        "tree import (5,000 orgs)",
        tree_import_setup,
        target_ms=2000,
        repeat=3,
        quick_repeat=1,
        warmup=0,
        rollback=True,
    ),
    Benchmark(
        "roster import (100,000 members)",
        member_import_setup,
        target_ms=10000,
        repeat=3,
        quick_repeat=1,
        warmup=0,
        rollback=True,
        quick_memory=False,
    ),
]


# --- Exports (core.exports): the district's 100,000 members ------------------------------------


def _roster_export(fmt: str):
    def setup(ctx: BenchContext):
        import tempfile

        from core.exports import csv_lines, write_xlsx

        from .exports import roster_table

        admin = _user_with_role("bench-export-admin", ctx.root, RoleKind.ADMIN)
        params = {"org": ctx.root.pk, "status": "1"}

        def run() -> int:
            table = roster_table(params, admin)
            if fmt == "csv":
                with tempfile.TemporaryFile() as handle:
                    for line in csv_lines(table):
                        handle.write(line.encode("utf-8"))
            else:
                with tempfile.TemporaryFile() as handle:
                    write_xlsx(table, handle)
            return table.count

        return run

    return setup


BENCHMARKS += [
    Benchmark("roster export CSV (district)", _roster_export("csv"), 2000, 3, 1),
    # tracemalloc triples the time of 100,000 rows: --quick leaves the XLSX's memory out.
    Benchmark(
        "roster export XLSX (district)", _roster_export("xlsx"), 10000, 3, 1, quick_memory=False
    ),
]
