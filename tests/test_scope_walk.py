"""Every URL that takes an object id answers 404 to a user for objects outside their scope.

The walk covers the site's patterns and the admin's. A pattern that takes an id and has no case
below fails the test, so a new page cannot be added without proving its scoping.
"""

import datetime
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Batch
from campaign.models import Notification
from core.models import ExportRecord, Job
from orgs import services
from orgs.importing.errors import save_errors_file
from orgs.models import RoleKind
from pledges.links import token_digest
from pledges.models import DraftLink, PledgeProgress
from reviews.models import (
    Commendation,
    EvaluationRound,
    LeaderReview,
    Questionnaire,
    Rectification,
    Suggestion,
)

from .factories import UserFactory, make_campaign, make_pledge

# name → function of the district giving the id of an object that belongs to branch B.
SITE_CASES = {
    "orgs:detail": lambda d: d.branch_b.pk,
    "orgs:children": lambda d: d.west.pk,
    "orgs:edit": lambda d: d.branch_b.pk,
    "orgs:add_child": lambda d: d.branch_b.pk,
    "orgs:deactivate": lambda d: d.branch_b.pk,
    "orgs:reactivate": lambda d: d.branch_b.pk,
    "orgs:roster": lambda d: d.branch_b.pk,
    "orgs:add_member": lambda d: d.branch_b.pk,
    "orgs:member": lambda d: d.member_b.pk,
    "orgs:edit_member": lambda d: d.member_b.pk,
    "orgs:reveal_id_number": lambda d: d.member_b.pk,
    "orgs:move_member": lambda d: d.member_b.pk,
    "orgs:deactivate_member": lambda d: d.member_b.pk,
    "orgs:reactivate_member": lambda d: d.member_b.pk,
    "orgs:move": lambda d: d.branch_b.pk,
    "orgs:merge": lambda d: d.branch_b.pk,
    "orgs:transfer_in": lambda d: d.branch_b.pk,
    "orgs:transfer_out": lambda d: d.member_b.pk,
    "campaign:detail": lambda d: d.campaign_b.pk,
    "campaign:edit": lambda d: d.campaign_b.pk,
    "campaign:phases": lambda d: d.campaign_b.pk,
    "campaign:deadlines": lambda d: d.campaign_b.pk,
    "campaign:copy": lambda d: d.campaign_b.pk,
    "campaign_close": lambda d: d.campaign_b.pk,
    "campaign_close_button": lambda d: d.campaign_b.pk,
    "inbox_open": lambda d: d.notification_b.pk,
    "pledges:branch": lambda d: d.branch_b.pk,
    "pledges:batch": lambda d: d.branch_b.pk,
    "pledges:grid": lambda d: d.branch_b.pk,
    "pledges:import": lambda d: d.branch_b.pk,
    "pledges:letter": lambda d: d.pledge_b.pk,
    "pledges:letter_scan": lambda d: d.pledge_b.pk,
    "pledges:missing": lambda d: d.branch_b.pk,
    "pledges:list": lambda d: d.branch_b.pk,
    "pledges:progress_export": lambda d: d.branch_b.pk,
    "orgs:roster_export": lambda d: d.branch_b.pk,
    "orgs:organizations_export": lambda d: d.branch_b.pk,
    "export_pledges": lambda d: d.branch_b.pk,
    "reviews:reviews_export": lambda d: d.branch_b.pk,
    "export_pledges_menu": lambda d: d.branch_b.pk,
    # An export's file: its requester's, and theirs who may see its organisation.
    "core:export_download": lambda d: d.export_b.pk,
    "pledges:detail": lambda d: d.pledge_b.pk,
    "pledges:edit": lambda d: d.pledge_b.pk,
    "pledges:correct": lambda d: d.pledge_b.pk,
    "pledges:step": lambda d: {"pk": d.pledge_b.pk, "name": "approve"},
    "pledges:add_progress": lambda d: d.pledge_b.pk,
    "pledges:attachment": lambda d: d.progress_b.pk,
    "pledges:children_coverage": lambda d: d.west.pk,
    "pledges:campaign_link": lambda d: d.campaign_b.pk,
    "pledges:member_link": lambda d: d.member_b.pk,
    # Members' draft links: the secretary's pages by branch, and by link.
    "pledges:links": lambda d: d.branch_b.pk,
    "pledges:issue_links": lambda d: d.branch_b.pk,
    "pledges:withdraw_links": lambda d: d.branch_b.pk,
    "pledges:link_slips": lambda d: d.branch_b.pk,
    "pledges:withdraw_link": lambda d: d.link_b.pk,
    "pledges:reissue_link": lambda d: d.link_b.pk,
    # A job is its owner's alone, wherever it works; so is the list of an import's errors.
    "core:job": lambda d: d.job_b.pk,
    "orgs:import_errors": lambda d: {"token": d.errors_token_b},
    # People are reached through their roles; a provisioning batch is its author's alone.
    "accounts:person": lambda d: d.bob_user.pk,
    "accounts:edit": lambda d: d.bob_user.pk,
    "accounts:reset": lambda d: d.bob_user.pk,
    "accounts:deactivate": lambda d: d.bob_user.pk,
    "accounts:reactivate": lambda d: d.bob_user.pk,
    "accounts:revoke": lambda d: d.role_b.pk,
    "accounts:grant": lambda d: d.branch_b.pk,
    "accounts:hand_over": lambda d: d.branch_b.pk,
    "accounts:org_actions": lambda d: d.branch_b.pk,
    "accounts:batch": lambda d: d.batch_b.pk,
    "accounts:batch_slips": lambda d: d.batch_b.pk,
    # Reviews, rectifications and verdicts follow the organisation they are about.
    "reviews:detail": lambda d: d.review_b.pk,
    "reviews:edit": lambda d: d.review_b.pk,
    "reviews:org": lambda d: d.branch_b.pk,
    "reviews:org_summary": lambda d: d.branch_b.pk,
    "reviews:rectification": lambda d: d.rectification_b.pk,
    "reviews:rectification_action": lambda d: {"pk": d.rectification_b.pk, "action": "close"},
    "reviews:evidence": lambda d: d.rectification_b.pk,
    "reviews:pledge_verdicts": lambda d: d.pledge_b.pk,
    "reviews:give_verdict": lambda d: {"pk": d.pledge_b.pk, "kind": "leader"},
    "reviews:round": lambda d: d.round_b.pk,
    "reviews:issue_codes": lambda d: d.round_b.pk,
    "reviews:tally": lambda d: d.round_b.pk,
    "reviews:withdraw_codes": lambda d: d.round_b.pk,
    "reviews:questionnaire": lambda d: d.questionnaire_b.pk,
    "reviews:handle_suggestion": lambda d: d.suggestion_b.pk,
    "reviews:rectify_suggestion": lambda d: d.suggestion_b.pk,
    "reviews:round_action": lambda d: {"pk": d.round_b.pk, "action": "close"},
    # Grades and stars of an organisation; commendations by the organisation awarding them.
    "grade_organization": lambda d: d.branch_b.pk,
    "reviews:stars": lambda d: d.branch_b.pk,
    "reviews:confirm_stars": lambda d: d.branch_b.pk,
    "reviews:return_stars": lambda d: d.branch_b.pk,
    "reviews:publish_commendation": lambda d: d.commendation_b.pk,
}

# The public board (公开栏) is open to everyone by design: published pledges of any active
# organisation, with names only (tests/pledges/test_views.py checks no private field shows).
PUBLIC_CASES = {
    "board:board": lambda d: d.branch_b.pk,
    "board:poster": lambda d: d.branch_b.pk,
    # A member's draft link: its token is the key, not an id; it opens that member's page alone
    # (tests/pledges/test_link_views.py), answering 200 to whoever holds it.
    "draftlink:form": lambda d: {"token": d.link_token_b},
    # The member's own 自评 through the same link: its member's pledge alone
    # (tests/reviews/test_link_verdict.py).
    "reviews:link_verdict": lambda d: {"token": d.link_token_b},
    # A published 群众评议's results (公示) are public by design: figures only
    # (tests/reviews/test_evaluations.py checks no comment, name or phone shows).
    "ballot:results": lambda d: d.round_b.pk,
    "ballot:results_pdf": lambda d: d.round_b.pk,
    # Every active organisation under a running campaign has a public board, and its 意见箱.
    "ballot:box": lambda d: d.branch_b.pk,
    # The 表彰栏 shows what the office chose to publish (典型引路): names and citations only.
    "honours": lambda d: d.branch_b.pk,
}

# Admin model pages (change, delete, history, …) by model label → branch B's object.
ADMIN_MODEL_CASES = {
    "orgs_organization": lambda d: d.branch_b.pk,
    "orgs_member": lambda d: d.member_b.pk,
    "orgs_role": lambda d: d.role_b.pk,
    "campaign_campaign": lambda d: d.campaign_b.pk,
    "pledges_pledge": lambda d: d.pledge_b.pk,
    # Users, groups and login records are superuser-only: 404 for anyone else, whatever the id.
    "auth_user": lambda d: d.bob_user.pk,
    "auth_group": lambda d: 1,
    "axes_accessattempt": lambda d: 1,
    "axes_accesslog": lambda d: 1,
    "axes_accessfailurelog": lambda d: 1,
    "core_auditrecord": lambda d: 1,
    "core_job": lambda d: d.job_b.pk,
    "reviews_leaderreview": lambda d: d.review_b.pk,
    "reviews_rectification": lambda d: d.rectification_b.pk,
    "reviews_evaluationround": lambda d: d.round_b.pk,
}

ADMIN_NAME = re.compile(r"^admin:(?P<model>[a-z_]+?)_(change|delete|history|password_change)$")


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}" if entry.name else None, prefix + str(entry.pattern)


def _id_patterns():
    """(name, route) of every pattern whose route captures something."""
    found = []
    for name, route in _walk(get_resolver().url_patterns):
        if "<" in route or "(?P<" in route:
            found.append((name, route))
    return found


def _url(route: str, value) -> str:
    """The route with its captures filled: one id for every capture, or a dict by name."""
    values = value if isinstance(value, dict) else None

    def fill(match):
        return str(values[match[1]] if values else value)

    url = re.sub(r"<(?:\w+:)?(\w+)>", fill, route)
    return "/" + url.lstrip("^").rstrip("$")


def add_branch_b_objects(district):
    """Branch B's objects that SITE_CASES names (also used by the header and parameter walks);
    Bob is its secretary."""
    district.campaign_b = make_campaign(district.west, name="西山镇活动")
    district.pledge_b = make_pledge(
        district.campaign_b, member=district.member_b, state="published"
    )
    district.progress_b = PledgeProgress(
        pledge=district.pledge_b, happened_on=datetime.date.today(), text="走访\n入户"
    )
    district.progress_b.attachment.save("x.png", ContentFile(b"\x89PNG\r\n"))
    district.bob_user = UserFactory(username="bob")
    district.role_b = services.assign_role(district.bob_user, district.branch_b, RoleKind.SECRETARY)
    district.batch_b = Batch.objects.create(created_by=district.bob_user, title="开通.xlsx")
    district.batch_b.accounts.add(district.bob_user)
    district.job_b = Job.objects.create(
        kind="orgs.import_members", title="导入", owner=district.bob_user, progress=40
    )
    district.errors_token_b = save_errors_file(
        district.bob_user, ContentFile("行号,问题\n2,姓名不能为空\n")
    )
    west_secretary = UserFactory(username="wes")
    services.assign_role(west_secretary, district.west, RoleKind.SECRETARY)
    district.review_b = LeaderReview.objects.create(
        campaign=district.campaign_b,
        organization=district.branch_b,
        author=west_secretary,
        reviewer_org=district.west,
        reviewer_role=RoleKind.SECRETARY,
        held_on=datetime.date.today(),
        form="forum",
        achievements="成绩",
        problems="问题",
        direction="方向",
        rating="good",
    )
    district.rectification_b = Rectification.objects.create(
        problem="问题",
        source="review",
        review=district.review_b,
        organization=district.branch_b,
        responsible_person="书记",
        deadline=datetime.date.today(),
        registered_by_org=district.west,
        state="reported",
    )
    district.rectification_b.evidence.save("x.png", ContentFile(b"\x89PNG\r\n"))
    district.round_b = EvaluationRound.objects.create(
        campaign=district.campaign_b,
        organization=district.branch_b,
        run_by=district.west,
        title="红旗村群众评议",
        starts_on=datetime.date.today(),
        ends_on=datetime.date.today(),
        state="published",
        items=["总体评价"],
    )
    district.questionnaire_b = Questionnaire.objects.create(
        name="西山镇评议表", organization=district.west, items=["总体评价"]
    )
    district.suggestion_b = Suggestion.objects.create(
        organization=district.branch_b, text="希望多走访", received_on=datetime.date.today()
    )
    district.notification_b = Notification.objects.create(
        kind="pledge_overdue",
        organization=district.branch_b,
        role_kind=RoleKind.SECRETARY,
        subject=f"pledge:{district.pledge_b.pk}",
        title="承诺逾期",
        url=district.pledge_b.get_absolute_url(),
    )
    district.commendation_b = Commendation.objects.create(
        kind="member",
        awarded_by=district.west,
        member=district.member_b,
        title="优秀共产党员",
        citation="事迹",
        awarded_on=datetime.date.today(),
    )
    district.export_b = ExportRecord.objects.create(
        kind="orgs.roster",
        title="红旗村党支部党员名册",
        owner=district.bob_user,
        scope=district.branch_b.path,
        format="csv",
        rows=1,
        file=ContentFile(b"x", name="roster.csv"),
    )
    district.link_token_b = "b" * 43
    district.link_b = DraftLink.objects.create(
        member=district.member_b,
        campaign=district.campaign_b,
        digest=token_digest(district.link_token_b),
        expires_on=district.campaign_b.ends_on,
    )
    return district


@pytest.fixture
def walker(district, client):
    """Alice: secretary and admin of branch A only (staff, so the admin site answers her)."""
    alice = UserFactory(username="alice")
    services.assign_role(alice, district.branch_a, RoleKind.SECRETARY)
    services.assign_role(alice, district.branch_a, RoleKind.ADMIN)
    add_branch_b_objects(district)
    client.force_login(alice)
    return client


# The admin's bare object URL redirects to the change page whatever the id; followed, it must 404.
ADMIN_BARE = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/<path:object_id>/$")


def _case_for(name, route):
    bare = ADMIN_BARE.match(route)
    if name is None and bare:
        name = f"admin:{bare['app']}_{bare['model']}_change"
    if name in SITE_CASES:
        return SITE_CASES[name], {404}
    if name in PUBLIC_CASES:
        return PUBLIC_CASES[name], {200}
    if name == "admin:view_on_site":
        return None, {404}
    match = ADMIN_NAME.match(name or "")
    if match and match["model"] in ADMIN_MODEL_CASES:
        return ADMIN_MODEL_CASES[match["model"]], {404}
    return None, None


# Patterns whose captured part is not an object id (an app label, a language, a file name).
# Django's reset-by-email link carries a signed token that opens only its own account (and is
# off unless mail is set up): tests/accounts/test_email_reset.py.
NOT_OBJECT_IDS = {
    "admin:app_list",
    "admin:jsi18n",
    "admin:login",
    "admin:logout",
    "password_reset_confirm",
}
NOT_OBJECT_ID_ROUTES = {"admin/(?P<url>.*)$"}  # the admin's catch-all: any unknown admin URL


def test_every_id_pattern_hides_other_branches(walker, district):
    from django.contrib.contenttypes.models import ContentType

    from orgs.models import Member

    missing, leaks = [], []
    for name, route in _id_patterns():
        if name in NOT_OBJECT_IDS or route in NOT_OBJECT_ID_ROUTES:
            continue
        case, expected = _case_for(name, route)
        if expected is None:
            missing.append(f"{name} ({route})")
            continue
        if name == "admin:view_on_site":
            content_type = ContentType.objects.get_for_model(Member)
            url = f"/admin/r/{content_type.pk}/{district.member_b.pk}/"
        else:
            url = _url(route, case(district))
        for method in ("get", "post"):
            status = getattr(walker, method)(url, follow=True).status_code
            # A view answers a method it does not take (GET to a POST-only view, POST to a page)
            # with 405 whatever the id: no hint either.
            allowed = expected | {405}
            if status not in allowed:
                leaks.append(f"{method.upper()} {url} ({name}) → {status}")
    assert not missing, "id patterns without a scope case: " + ", ".join(missing)
    assert not leaks, "reachable outside scope: " + "; ".join(leaks)


def test_the_walk_sees_branch_a_objects(walker, district):
    """The same user reaches their own branch, so the 404s above are about scope, not breakage."""
    assert walker.get(f"/orgs/{district.branch_a.pk}/").status_code == 200
    assert walker.get(f"/orgs/members/{district.member_a.pk}/").status_code == 200
    admin_url = f"/admin/orgs/member/{district.member_a.pk}/change/"
    assert walker.get(admin_url).status_code == 200


def test_the_walk_knows_every_site_pattern():
    names = {name for name, _ in _id_patterns()}
    assert set(SITE_CASES) <= names, "SITE_CASES names a pattern that no longer exists"
