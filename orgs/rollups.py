"""The tree's rollup (core.rollups): active members per organisation, and the one statement that
sums counter rows over subtrees.

MemberTally holds the active members of each organisation itself. Triggers on the members keep
the count (a member added, moved, deactivated or reactivated, by any means), and triggers on the
organisations give each one its row and bump its version when it changes (renamed, moved,
deactivated), so a cached table that names or places it is not served again.
"""

from django.db import connection

from core import replica, rollups
from core.rollups import pg_trigger, sqlite_row, sqlite_trigger, writers

from .models import MemberTally, Organization, subtree_upper

TALLY = MemberTally._meta.db_table
MEMBER_COLUMNS = ("id", "branch_id", "active")
KEYS = ("organization_id",)
COUNTS = ("members",)
EXISTING = f"organization_id IN (SELECT id FROM {Organization._meta.db_table})"


def _members(source: str, sign: int) -> str:
    """The change a set of member rows makes to the counts: +1 or -1 per active member."""
    return (
        f"SELECT r.branch_id AS organization_id, CASE WHEN r.active THEN {sign} ELSE 0 END "
        f"AS members FROM {source} AS r"
    )


def _organizations(source: str) -> str:
    """Organisations as rows that move no count: their rows exist and their versions move."""
    return f"SELECT r.id AS organization_id, 0 AS members FROM {source} AS r"


def _triggers(vendor: str) -> list[rollups.Trigger]:
    keep, drop = writers(TALLY, KEYS, COUNTS, EXISTING)
    if vendor == "sqlite":
        new, old = sqlite_row("NEW", MEMBER_COLUMNS), sqlite_row("OLD", MEMBER_COLUMNS)
        new_org = sqlite_row("NEW", ("id",))
        return [
            sqlite_trigger(
                "rollup_member_insert", "orgs_member", "INSERT", [keep(_members(new, 1))]
            ),
            sqlite_trigger(
                "rollup_member_update",
                "orgs_member",
                "UPDATE",
                [keep(f"{_members(old, -1)} UNION ALL {_members(new, 1)}")],
            ),
            sqlite_trigger(
                "rollup_member_delete", "orgs_member", "DELETE", [drop(_members(old, -1))]
            ),
            sqlite_trigger(
                "rollup_org_insert", "orgs_organization", "INSERT", [keep(_organizations(new_org))]
            ),
            sqlite_trigger(
                "rollup_org_update", "orgs_organization", "UPDATE", [keep(_organizations(new_org))]
            ),
        ]
    return [
        pg_trigger(
            "rollup_member_insert", "orgs_member", "INSERT", [keep(_members("new_rows", 1))]
        ),
        pg_trigger(
            "rollup_member_update",
            "orgs_member",
            "UPDATE",
            [keep(f"{_members('old_rows', -1)} UNION ALL {_members('new_rows', 1)}")],
        ),
        pg_trigger(
            "rollup_member_delete", "orgs_member", "DELETE", [drop(_members("old_rows", -1))]
        ),
        pg_trigger(
            "rollup_org_insert", "orgs_organization", "INSERT", [keep(_organizations("new_rows"))]
        ),
        pg_trigger(
            "rollup_org_update", "orgs_organization", "UPDATE", [keep(_organizations("new_rows"))]
        ),
    ]


MEMBERS = rollups.register(
    rollups.Rollup(
        model=MemberTally,
        keys=KEYS,
        counts=COUNTS,
        reference=("SELECT branch_id, COUNT(*) FROM orgs_member WHERE active GROUP BY branch_id"),
        triggers=_triggers,
    )
)


# --- Reading the counters over subtrees -----------------------------------------------------------


def subtree_sums(parents, sums: list[str], joins: str = "", params=()) -> dict[int, tuple]:
    """Sums over the subtree of each parent and of each of its children, keyed by organisation
    id, in one statement however large the subtrees.

    `sums` are SQL aggregates over the organisations `o` of the subtrees and whatever `joins`
    adds to them (counter rows, joined on `o.id`); `params` fill the placeholders of `sums`, then
    of `joins`. The statement groups the subtrees' rows by their child's path prefix (a parent's
    own row is a group of its own), and the parents' totals add up their groups.
    """
    if not parents:
        return {}
    step = Organization.steplen
    values = ", ".join(["(%s, %s, %s)"] * len(parents))
    cte_params = []
    for parent in parents:
        cte_params += [parent.path, subtree_upper(parent.path), len(parent.path) + step]
    columns = ", ".join(f"{expression} AS v{i}" for i, expression in enumerate(sums))
    picked = ", ".join(f"s.v{i}" for i in range(len(sums)))
    sql = (
        f"WITH parent (path, upper, n) AS (VALUES {values}) "
        f"SELECT s.parent, c.id, {picked} FROM ("
        f"SELECT p.path AS parent, substr(o.path, 1, p.n) AS prefix, {columns} "
        f"FROM parent AS p JOIN orgs_organization AS o ON o.path >= p.path AND o.path <= p.upper "
        f"{joins} GROUP BY p.path, substr(o.path, 1, p.n)"
        f") AS s JOIN orgs_organization AS c ON c.path = s.prefix"
    )
    with replica.reader().cursor() as cursor:
        cursor.execute(sql, [*cte_params, *params])
        rows = cursor.fetchall()
    by_parent = {parent.path: parent.pk for parent in parents}
    zeros = (0,) * len(sums)
    totals: dict[int, tuple] = {}
    wholes = dict.fromkeys(by_parent.values(), zeros)
    for parent_path, pk, *figures in rows:
        figures = tuple(int(v or 0) for v in figures)
        parent_pk = by_parent[parent_path]
        if pk != parent_pk:
            totals[pk] = figures
        wholes[parent_pk] = tuple(a + b for a, b in zip(wholes[parent_pk], figures, strict=True))
    totals.update(wholes)
    return totals


def subtree_member_counts(parents) -> dict[int, int]:
    """Active members in the subtree of each parent and of each of its children, by id."""
    sums = subtree_sums(
        parents,
        ["SUM(COALESCE(t.members, 0))"],
        f"LEFT JOIN {TALLY} AS t ON t.organization_id = o.id",
    )
    return {pk: figures[0] for pk, figures in sums.items()}


# --- Versions: names for the state cached fragments show (core/fragments.py) --------------------


# Changes with every change to an organisation or a member anywhere: the sum of the counter
# rows' versions, each of which only grows, so every committed change makes it larger. As SQL, for
# callers that read it in the same statement as versions of their own.
TREE_VERSION = f"(SELECT COALESCE(SUM(version), 0) FROM {TALLY})"


def tree_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {TREE_VERSION}")
        return cursor.fetchone()[0]


def family_versions_sql(org: Organization) -> tuple[str, list]:
    """A SELECT of (id, version) for the organisation and its children: it changes with any of
    them or their members, and when a child comes or goes (the organisation's numchild moves).
    Returned as SQL so that a caller can read it in the same statement as its own versions."""
    sql = (
        f"SELECT t.organization_id, t.version FROM {TALLY} AS t "
        f"JOIN {Organization._meta.db_table} AS o ON o.id = t.organization_id "
        f"WHERE o.path >= %s AND o.path <= %s AND o.depth <= %s"
    )
    return sql, [org.path, subtree_upper(org.path), org.depth + 1]
