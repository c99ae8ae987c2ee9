"""The pledges' rollup (core.rollups): per campaign and organisation, pledges by state and the
figures of coverage (两个100%).

A pledge counts at its home organisation: its own, or its member's branch, and only while the
member is active (as `selectors.expected_to_pledge` and `counted_members` say who counts). The
pledges app owns triggers on three tables: its pledges (created, stepped, corrected, deleted),
their progress records (which move no counter but change what the board shows), and the members
of orgs, whose moves and deactivations carry their pledges' counts with them. orgs, below,
knows nothing of them.
"""

from campaign.models import Campaign
from core import rollups
from core.rollups import pg_trigger, sqlite_row, sqlite_trigger, writers
from orgs.models import Member, Organization

from .models import PUBLIC_STATES, Pledge, PledgeProgress, PledgeState, PledgeTally

TALLY = PledgeTally._meta.db_table
PLEDGES = Pledge._meta.db_table
PROGRESS = PledgeProgress._meta.db_table
MEMBERS = Member._meta.db_table
KEYS = ("campaign_id", "organization_id")
STATES = tuple(state.value for state in PledgeState)
COUNTS = (*STATES, "organization_pledged", "members_pledged")
EXISTING = (
    f"organization_id IN (SELECT id FROM {Organization._meta.db_table}) "
    f"AND campaign_id IN (SELECT id FROM {Campaign._meta.db_table})"
)
PUBLIC = "(" + ", ".join(f"'{state.value}'" for state in PUBLIC_STATES) + ")"


def _by_state(pledge: str, sign: int) -> str:
    return ", ".join(
        f"CASE WHEN {pledge}.state = '{state}' THEN {sign} ELSE 0 END AS {state}"
        for state in STATES
    )


def _pledges(source: str, sign: int) -> str:
    """The change a set of pledge rows makes, at their home organisations."""
    return (
        f"SELECT r.campaign_id AS campaign_id, "
        f"COALESCE(r.organization_id, m.branch_id) AS organization_id, {_by_state('r', sign)}, "
        f"CASE WHEN r.organization_id IS NOT NULL AND r.state IN {PUBLIC} THEN {sign} ELSE 0 END "
        f"AS organization_pledged, "
        f"CASE WHEN r.member_id IS NOT NULL AND r.state IN {PUBLIC} THEN {sign} ELSE 0 END "
        f"AS members_pledged "
        f"FROM {source} AS r LEFT JOIN {MEMBERS} AS m ON m.id = r.member_id "
        f"WHERE r.organization_id IS NOT NULL OR m.active"
    )


def _members(source: str, sign: int) -> str:
    """The change a set of member rows (as they were, or are now) makes through their pledges."""
    return (
        f"SELECT p.campaign_id AS campaign_id, r.branch_id AS organization_id, "
        f"{_by_state('p', sign)}, 0 AS organization_pledged, "
        f"CASE WHEN p.state IN {PUBLIC} THEN {sign} ELSE 0 END AS members_pledged "
        f"FROM {source} AS r JOIN {PLEDGES} AS p ON p.member_id = r.id WHERE r.active"
    )


def _progress(source: str) -> str:
    """Progress records move no counter; their pledges' rows change version."""
    zeros = ", ".join(f"0 AS {count}" for count in COUNTS)
    return (
        f"SELECT p.campaign_id AS campaign_id, "
        f"COALESCE(p.organization_id, m.branch_id) AS organization_id, {zeros} "
        f"FROM {source} AS r JOIN {PLEDGES} AS p ON p.id = r.pledge_id "
        f"LEFT JOIN {MEMBERS} AS m ON m.id = p.member_id "
        f"WHERE p.organization_id IS NOT NULL OR m.active"
    )


PLEDGE_COLUMNS = ("id", "campaign_id", "organization_id", "member_id", "state")
MEMBER_COLUMNS = ("id", "branch_id", "active")
# A member's pledges move only when the member changes branch or standing.
MEMBER_MOVED = "OLD.branch_id IS NOT NEW.branch_id OR OLD.active IS NOT NEW.active"


def _moved(rows: str) -> str:
    """PostgreSQL: the members of an UPDATE statement that changed branch or standing, as they
    were (rows="o") or are now ("n")."""
    return (
        f"(SELECT {rows}.id, {rows}.branch_id, {rows}.active FROM old_rows AS o "
        f"JOIN new_rows AS n ON n.id = o.id "
        f"WHERE o.branch_id <> n.branch_id OR o.active <> n.active)"
    )


def _triggers(vendor: str) -> list[rollups.Trigger]:
    keep, drop = writers(TALLY, KEYS, COUNTS, EXISTING)
    if vendor == "sqlite":
        new, old = sqlite_row("NEW", PLEDGE_COLUMNS), sqlite_row("OLD", PLEDGE_COLUMNS)
        new_m, old_m = sqlite_row("NEW", MEMBER_COLUMNS), sqlite_row("OLD", MEMBER_COLUMNS)
        new_p, old_p = sqlite_row("NEW", ("pledge_id",)), sqlite_row("OLD", ("pledge_id",))
        return [
            sqlite_trigger("rollup_pledge_insert", PLEDGES, "INSERT", [keep(_pledges(new, 1))]),
            sqlite_trigger(
                "rollup_pledge_update",
                PLEDGES,
                "UPDATE",
                [keep(f"{_pledges(old, -1)} UNION ALL {_pledges(new, 1)}")],
            ),
            sqlite_trigger("rollup_pledge_delete", PLEDGES, "DELETE", [drop(_pledges(old, -1))]),
            sqlite_trigger(
                "rollup_pledge_member_update",
                MEMBERS,
                "UPDATE OF branch_id, active",
                [keep(f"{_members(old_m, -1)} UNION ALL {_members(new_m, 1)}")],
                when=MEMBER_MOVED,
            ),
            sqlite_trigger("rollup_progress_insert", PROGRESS, "INSERT", [keep(_progress(new_p))]),
            sqlite_trigger(
                "rollup_progress_update",
                PROGRESS,
                "UPDATE",
                [keep(f"{_progress(old_p)} UNION ALL {_progress(new_p)}")],
            ),
            sqlite_trigger("rollup_progress_delete", PROGRESS, "DELETE", [drop(_progress(old_p))]),
        ]
    return [
        pg_trigger("rollup_pledge_insert", PLEDGES, "INSERT", [keep(_pledges("new_rows", 1))]),
        pg_trigger(
            "rollup_pledge_update",
            PLEDGES,
            "UPDATE",
            [keep(f"{_pledges('old_rows', -1)} UNION ALL {_pledges('new_rows', 1)}")],
        ),
        pg_trigger("rollup_pledge_delete", PLEDGES, "DELETE", [drop(_pledges("old_rows", -1))]),
        pg_trigger(
            "rollup_pledge_member_update",
            MEMBERS,
            "UPDATE",
            [keep(f"{_members(_moved('o'), -1)} UNION ALL {_members(_moved('n'), 1)}")],
        ),
        pg_trigger("rollup_progress_insert", PROGRESS, "INSERT", [keep(_progress("new_rows"))]),
        pg_trigger(
            "rollup_progress_update",
            PROGRESS,
            "UPDATE",
            [keep(f"{_progress('old_rows')} UNION ALL {_progress('new_rows')}")],
        ),
        pg_trigger("rollup_progress_delete", PROGRESS, "DELETE", [drop(_progress("old_rows"))]),
    ]


def _reference() -> str:
    sums = ", ".join(f"SUM({count})" for count in COUNTS)
    return (
        f"SELECT campaign_id, organization_id, {sums} FROM ({_pledges(PLEDGES, 1)}) AS x "
        f"GROUP BY campaign_id, organization_id"
    )


PLEDGE_TALLY = rollups.register(
    rollups.Rollup(
        model=PledgeTally, keys=KEYS, counts=COUNTS, reference=_reference(), triggers=_triggers
    )
)
