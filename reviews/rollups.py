"""The reviews' rollups (core.rollups): per organisation, the leader reviews held of it (per
campaign), its 群众评议 rounds and their satisfaction (per campaign), and its rectifications.

Each count is kept where the row belongs (the organisation reviewed, evaluated or rectifying),
whether that organisation is active or not: readers decide what counts (an inactive
organisation's figures are left out by the dashboard's join, as for pledges). What changes with
the clock alone (overdue rectifications, reviews due by today) is not stored: reviews.selectors
counts it at read time.
"""

from campaign.models import Campaign
from core import rollups
from core.rollups import pg_trigger, sqlite_row, sqlite_trigger, writers
from orgs.models import Organization, RoleKind

from .models import (
    EvaluationRound,
    LeaderReview,
    Rectification,
    RectificationState,
    RectificationTally,
    ReviewTally,
    RoundState,
    RoundTally,
)

ORGS = Organization._meta.db_table
CAMPAIGNS = Campaign._meta.db_table
IN_ORGS = f"organization_id IN (SELECT id FROM {ORGS})"
IN_CAMPAIGNS = f"campaign_id IN (SELECT id FROM {CAMPAIGNS})"


def _triggers_for(table: str, columns: tuple[str, ...], change, keep, drop):
    """The insert, update and delete triggers of a source table whose rows make the change
    `change(source, sign)` (a SELECT of keys and counts)."""

    def make(vendor: str) -> list[rollups.Trigger]:
        name = f"rollup_{table}"
        if vendor == "sqlite":
            new, old = sqlite_row("NEW", columns), sqlite_row("OLD", columns)
            return [
                sqlite_trigger(f"{name}_insert", table, "INSERT", [keep(change(new, 1))]),
                sqlite_trigger(
                    f"{name}_update",
                    table,
                    "UPDATE",
                    [keep(f"{change(old, -1)} UNION ALL {change(new, 1)}")],
                ),
                sqlite_trigger(f"{name}_delete", table, "DELETE", [drop(change(old, -1))]),
            ]
        return [
            pg_trigger(f"{name}_insert", table, "INSERT", [keep(change("new_rows", 1))]),
            pg_trigger(
                f"{name}_update",
                table,
                "UPDATE",
                [keep(f"{change('old_rows', -1)} UNION ALL {change('new_rows', 1)}")],
            ),
            pg_trigger(f"{name}_delete", table, "DELETE", [drop(change("old_rows", -1))]),
        ]

    return make


def _reference(change, table: str, keys: tuple[str, ...], counts: tuple[str, ...]) -> str:
    sums = ", ".join(f"SUM({count})" for count in counts)
    key_list = ", ".join(keys)
    return f"SELECT {key_list}, {sums} FROM ({change(table, 1)}) AS x GROUP BY {key_list}"


def _register(model, keys, counts, source_table, columns, change, existing) -> rollups.Rollup:
    keep, drop = writers(model._meta.db_table, keys, counts, existing)
    return rollups.register(
        rollups.Rollup(
            model=model,
            keys=keys,
            counts=counts,
            reference=_reference(change, source_table, keys, counts),
            triggers=_triggers_for(source_table, columns, change, keep, drop),
        )
    )


# --- Leader reviews: per campaign and organisation, split as requirements count them ----------

OFFICE = f"'{RoleKind.OFFICE.value}'"


def _reviews(source: str, sign: int) -> str:
    of_org, of_member = "r.member_id IS NULL", "r.member_id IS NOT NULL"
    by_office, by_other = f"r.reviewer_role = {OFFICE}", f"r.reviewer_role <> {OFFICE}"
    return (
        f"SELECT r.campaign_id AS campaign_id, r.organization_id AS organization_id, "
        f"CASE WHEN {of_org} AND {by_other} THEN {sign} ELSE 0 END AS own, "
        f"CASE WHEN {of_org} AND {by_office} THEN {sign} ELSE 0 END AS own_office, "
        f"CASE WHEN {of_member} AND {by_other} THEN {sign} ELSE 0 END AS of_members, "
        f"CASE WHEN {of_member} AND {by_office} THEN {sign} ELSE 0 END AS of_members_office "
        f"FROM {source} AS r"
    )


REVIEWS = _register(
    ReviewTally,
    ("campaign_id", "organization_id"),
    ("own", "own_office", "of_members", "of_members_office"),
    LeaderReview._meta.db_table,
    ("campaign_id", "organization_id", "member_id", "reviewer_role"),
    _reviews,
    f"{IN_ORGS} AND {IN_CAMPAIGNS}",
)


# --- Evaluation rounds: held, finished and their satisfaction -----------------------------------

FINISHED = f"('{RoundState.CLOSED.value}', '{RoundState.PUBLISHED.value}')"


def _rounds(source: str, sign: int) -> str:
    counted = f"NOT r.members_only AND r.state <> '{RoundState.PREPARING.value}'"
    finished = f"NOT r.members_only AND r.state IN {FINISHED}"
    return (
        f"SELECT r.campaign_id AS campaign_id, r.organization_id AS organization_id, "
        f"CASE WHEN {counted} THEN {sign} ELSE 0 END AS rounds, "
        f"CASE WHEN {finished} THEN {sign} ELSE 0 END AS finished, "
        f"CASE WHEN {finished} THEN {sign} * r.satisfied_votes ELSE 0 END AS satisfied_votes, "
        f"CASE WHEN {finished} THEN {sign} * r.rated_votes ELSE 0 END AS rated_votes "
        f"FROM {source} AS r"
    )


ROUNDS = _register(
    RoundTally,
    ("campaign_id", "organization_id"),
    ("rounds", "finished", "satisfied_votes", "rated_votes"),
    EvaluationRound._meta.db_table,
    (
        "campaign_id",
        "organization_id",
        "members_only",
        "state",
        "satisfied_votes",
        "rated_votes",
    ),
    _rounds,
    f"{IN_ORGS} AND {IN_CAMPAIGNS}",
)


# --- Rectifications: open, closed, closed having been reported by the deadline ------------------

CLOSED = f"'{RectificationState.CLOSED.value}'"


def _rectifications(source: str, sign: int) -> str:
    return (
        f"SELECT r.organization_id AS organization_id, "
        f"CASE WHEN r.state <> {CLOSED} THEN {sign} ELSE 0 END AS open, "
        f"CASE WHEN r.state = {CLOSED} THEN {sign} ELSE 0 END AS closed, "
        f"CASE WHEN r.state = {CLOSED} AND r.reported_on <= r.deadline THEN {sign} ELSE 0 END "
        f"AS on_time "
        f"FROM {source} AS r"
    )


RECTIFICATIONS = _register(
    RectificationTally,
    ("organization_id",),
    ("open", "closed", "on_time"),
    Rectification._meta.db_table,
    ("organization_id", "state", "reported_on", "deadline"),
    _rectifications,
    IN_ORGS,
)
