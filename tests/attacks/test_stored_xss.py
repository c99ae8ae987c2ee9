"""Stored XSS: markup typed into any free-text field shows as text on every page, export and PDF.

Every text field of the project's models (and the user's 姓名) is found by introspection and
holds a payload numbered by field, unless NOT_FREE_TEXT says why nobody can type into it; a new
field is planted on its own and fails the walk if no page shows it. The pages are every pattern
of the site and the admin (tests/test_headers.py's walk, for a superuser, the district office and
a branch secretary); the files are every registered export builder's table as CSV and XLSX, and
every PDF (poster, letter, slips, results, statistics sheet, report).

On a page, the payload must never come out as markup (no `<script>alert(`, no element with an
event handler: the pages have none of their own, tests/test_headers.py), and each field must be
seen escaped (`&lt;script&gt;alert(N)`) on at least one page. In a CSV, an XLSX and a PDF it must
read as typed: not escaped, not stripped of its tags (a long text may be cut short)."""

import datetime
import io
import re
import zipfile

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.http import HttpResponse
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from accounts.models import AccessCode, Profile
from campaign.models import Phase, SweepRun
from core import exports
from orgs.models import RoleKind, RoleTerm
from pledges.models import PledgeEvent
from reviews import evaluations
from reviews.models import (
    Answer,
    EvaluationRound,
    MemberStar,
    OrgGrading,
    RectificationEvent,
    ReviewCorrection,
    Tally,
    Verdict,
)

from ..conftest import _persona
from ..factories import MemberFactory, RoleFactory, UserFactory, make_pledge
from ..test_headers import _pages, inline_parts
from ..test_scope_walk import add_branch_b_objects

TODAY = datetime.date.today()
PROJECT_APPS = ("core", "orgs", "campaign", "pledges", "accounts", "reviews", "oversight")

# Text fields that nobody types: written by the application from its own values, or validated to
# a shape that admits no markup.
NOT_FREE_TEXT = {
    "auth.User.username": "login name: UnicodeUsernameValidator admits letters, digits, @.+-_",
    "auth.User.password": "a hash",
    "auth.User.email": "EmailField, validated",
    "auth.User.last_name": "unused: the 姓名 is first_name (core/people.py); no form writes it",
    "core.AuditRecord.model": "a model label",
    "core.Job.kind": "a job kind from the code",
    "core.Job.scope": "an organisation's tree path",
    "core.RollupStamp.name": "a rollup's name from the code",
    "core.ExportRecord.kind": "an export kind from the code",
    "core.ExportRecord.scope": "an organisation's tree path",
    "orgs.Organization.path": "treebeard's path",
    "orgs.Member.phone": "digits (orgs.rules)",
    "orgs.Member.id_number": "an ID number (orgs.rules: digits and X)",
    "campaign.Notification.subject": "kind:id, from the code",
    "campaign.Notification.period": "a period key from the code",
    "campaign.Notification.url": "reverse() of a page",
    "pledges.PledgeProgress.attachment_type": "the type sniffed from the content",
    "pledges.DraftLink.digest": "a hash",
    "accounts.Profile.phone": "eleven digits (accounts.rules.clean_mobile)",
    "accounts.AccessCode.digest": "a hash",
    "reviews.Rectification.evidence_type": "the type sniffed from the content",
    "reviews.BallotCode.digest": "a hash",
    # JSON written by the application, numbers or choice values only; the texts it copies (a
    # round's items into its results, audit snapshots of planted rows) are planted at the source.
    "core.AuditRecord.snapshot": "copies of planted rows, shown through the trail",
    "core.AuditRecord.before": "copies of planted rows, shown through the trail",
    "core.Job.params": "ids and choice values",
    "core.Job.result": "counts and a URL",
    "core.ExportRecord.params": "ids and choice values",
    "campaign.Campaign.figures": "counts kept at the close",
    "campaign.Requirements.lead_days": "numbers",
    "campaign.SweepRun.failures": "ids and exception names",
    "pledges.Pledge.five_items": "choice values",
    "pledges.PledgeEvent.changes": "copies of a pledge's planted fields",
    "reviews.ReviewCorrection.changes": "copies of a review's planted fields",
    "reviews.EvaluationRound.methods": "choice values",
    "reviews.EvaluationRound.results": "figures by the round's planted items, recomputed below",
    "reviews.Answer.choices": "choice values by the round's planted items",
    "reviews.Answer.ratings": "choice values by member id",
}

# JSON fields holding text a user typed: field → the value that plants the payload.
JSON_TEXT = {
    "pledges.Pledge.areas": lambda text: [text],
    "reviews.Questionnaire.items": lambda text: [text],
    "reviews.EvaluationRound.items": lambda text: [text],
    # An import's rows with their problems, which quote the cell as typed.
    "core.Job.errors": lambda text: [{"row": 2, "message": text}],
}


def payload(n: int, max_length: int | None = None) -> str:
    """Markup that runs if it is not escaped, numbered to tell which field it came from; the
    short form for fields of up to 50 characters."""
    text = f"<script>alert({n})</script><img src=x onerror=alert({n})>\"'&"
    if max_length is not None and len(text) > max_length:
        text = f"<script>alert({n})</script>\"'&"
    return text


def _text_fields():
    """(label.field, model, field) of every text and JSON field of the project's models and of
    the user."""
    models_ = [get_user_model()]
    for app in PROJECT_APPS:
        models_ += list(apps.get_app_config(app).get_models())
    for model in models_:
        for field in model._meta.concrete_fields:
            text = isinstance(field, (models.CharField, models.TextField, models.JSONField))
            if text and not field.choices:
                yield f"{model._meta.label}.{field.name}", model, field


def test_every_text_field_is_planted_or_explained():
    names = {name for name, _, _ in _text_fields()}
    assert set(NOT_FREE_TEXT) | set(JSON_TEXT) <= names, "a listed field no longer exists"


def _add_rows_of_every_kind(d):
    """Rows of the models that branch B's objects (the scope walk's) leave empty."""
    user = d.bob_user
    d.campaign_b.refresh_from_db()
    d.former = MemberFactory(branch=d.branch_b, active=False, deactivated_on=TODAY)
    RoleTerm.objects.create(
        user=user,
        organization=d.branch_b,
        kind=RoleKind.SECRETARY,
        started_on=TODAY,
        ended_on=TODAY,
        reason="x",
    )
    Phase.objects.create(
        campaign=d.campaign_b,
        name="x",
        kind="work",
        work="pledges",
        starts_on=TODAY,
        ends_on=TODAY + datetime.timedelta(days=30),
    )
    SweepRun.objects.create(kind=SweepRun._meta.get_field("kind").choices[0][0], as_of=TODAY)
    Profile.objects.get_or_create(user=user)
    AccessCode.objects.create(
        user=user,
        purpose="activate",
        digest="a" * 64,
        expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1),
    )
    PledgeEvent.objects.create(pledge=d.pledge_b, kind="submit", actor=user, to_state="submitted")
    ReviewCorrection.objects.create(review=d.review_b, by=user, reason="x", changes={})
    RectificationEvent.objects.create(
        rectification=d.rectification_b, actor=user, to_state="reported", comment="x"
    )
    # Verdicts show on a completed pledge; comments once a round has enough ballots.
    d.completed = make_pledge(
        d.campaign_b, member=MemberFactory(branch=d.branch_b), state="completed"
    )
    Verdict.objects.create(pledge=d.completed, kind="leader", result="fulfilled", by=user)
    for _ in range(evaluations.MIN_GROUP):
        Answer.objects.create(round=d.round_b, group="member", choices={}, answered_on=TODAY)
    Tally.objects.create(round=d.round_b, source="paper", group="member", item="x", satisfied=9)
    OrgGrading.objects.create(
        organization=d.branch_b, year=TODAY.year, grade="1", by_org=d.west, by=user
    )
    # A round still open, for its ballot codes' slips.
    d.open_round = EvaluationRound.objects.create(
        campaign=d.campaign_b,
        organization=d.branch_b,
        run_by=d.west,
        title="x",
        starts_on=TODAY,
        ends_on=TODAY,
        state="open",
        items=["x"],
    )
    # An account of the provisioning batch still waiting for its activation slip.
    waiting = UserFactory(username="waiting")
    waiting.set_unusable_password()
    waiting.save()
    RoleFactory(user=waiting, organization=d.branch_b, kind=RoleKind.SECRETARY)
    d.batch_b.accounts.add(waiting)
    MemberStar.objects.create(
        member=d.member_b, branch=d.branch_b, year=TODAY.year, stars=3, proposed_by=user
    )


@pytest.fixture
def planted(district):
    """Branch B's objects, one row of every kind, and the payload in every free-text field; the
    district office (Olivia) and a superuser to walk them."""
    d = add_branch_b_objects(district)
    _add_rows_of_every_kind(d)
    d.planted = {}
    empty = []
    for n, (name, model, field) in enumerate(_text_fields(), start=1):
        if name in NOT_FREE_TEXT:
            continue
        text = payload(n, getattr(field, "max_length", None))
        value = JSON_TEXT[name](text) if name in JSON_TEXT else text
        if not model._default_manager.update(**{field.name: value}):
            empty.append(name)
        d.planted[n] = name
    assert not empty, "no row to plant a payload in: " + ", ".join(empty)
    # The round's results, drawn from its planted items, as its close would keep them.
    d.round_b.refresh_from_db()
    d.round_b.results = evaluations.results_of(d.round_b)
    d.round_b.save(update_fields=["results"])
    d.olivia = _persona("olivia", d.root, RoleKind.OFFICE)
    d.root_user = UserFactory(username="root", is_superuser=True, is_staff=True)
    return d


RAW = re.compile(r"<script>alert\(|<img src=x onerror")
# The payload's script tag as a page may show it: escaped as HTML, or as JSON inside a page.
ESCAPED = re.compile(r"(?:&lt;|\\u003C)script(?:&gt;|\\u003E)alert\((\d+)\)")
PLAIN = re.compile(r"<script>alert\((\d+)\)</script>")


def _squeezed(text: str) -> str:
    # A PDF breaks long lines where it likes; reading it back, the breaks come out as spaces or
    # line feeds.
    return re.sub(r"\s+", "", text)


class Findings:
    def __init__(self):
        self.shown, self.holes, self.files = set(), [], []

    def page(self, where: str, html: str) -> None:
        if RAW.search(html):
            self.holes.append(f"{where}: markup as typed")
        self.holes += [f"{where}: {part}" for part in inline_parts(html)]
        self.shown |= {int(n) for n in ESCAPED.findall(html)}

    def text(self, where: str, text: str) -> None:
        """A file's text: the payload as typed, neither escaped nor stripped of its tags."""
        self.files.append(where)
        if "&lt;" in text or "&amp;" in text or "&#x27;" in text:
            self.holes.append(f"{where}: escaped as HTML")
        # Long texts may be cut short (…), but what is printed keeps its tags.
        for match in re.finditer(r"alert\((\d+)\)", _squeezed(text)):
            if not match.string[: match.start()].endswith(("<script>", "onerror=")):
                self.holes.append(f"{where}: payload {match[1]} without its tags")

    def response(self, where: str, response) -> None:
        kind = response.get("Content-Type", "")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if kind.startswith("text/html"):
            self.page(where, body.decode())
        elif kind.startswith("application/pdf"):
            reader = PdfReader(io.BytesIO(body))
            self.text(where, " ".join(page.extract_text() for page in reader.pages))
        elif kind.startswith("text/csv"):
            self.text(where, body.decode("utf-8-sig"))
        elif "spreadsheetml" in kind:
            self.text(where, _xlsx_text(body))


def _xlsx_text(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(
        str(cell)
        for sheet in book
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


def _walk(client, urls, findings: Findings) -> None:
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code < 500, url
        findings.response(url, response)


def test_markup_shows_as_text_on_every_page(client, planted):
    d = planted
    findings = Findings()
    # The verdicts' slot of a pledge that has them (pledge_b is still on the board).
    urls = [*_pages(d), reverse("reviews:pledge_verdicts", args=[d.completed.pk])]
    for user in (d.root_user, d.olivia, d.bob_user):
        client.force_login(user)
        _walk(client, urls, findings)
    assert not findings.holes, "\n".join(findings.holes)
    unseen = sorted(name for n, name in d.planted.items() if n not in findings.shown)
    assert not unseen, "planted but shown on no page: " + ", ".join(unseen)


def test_markup_reads_as_typed_in_every_export(planted):
    """Every registered export, as CSV and as XLSX, for the district's campaign."""
    d = planted
    findings = Findings()
    params = {"org": d.west.pk, "campaign": d.campaign_b.pk, "show": "all"}
    for kind in sorted(exports._builders):
        # The notifications log is each user's own.
        user = d.bob_user if kind == "campaign.notifications" else d.root_user
        findings.text(f"{kind} csv", "".join(exports.csv_lines(exports.build(kind, params, user))))
        xlsx = io.BytesIO()
        exports.write_xlsx(exports.build(kind, params, user), xlsx)
        text = _xlsx_text(xlsx.getvalue())
        findings.text(f"{kind} xlsx", text)
        assert "alert(" in text, f"{kind}: no planted text in the export"
    assert len(findings.files) == 2 * len(exports._builders) >= 20
    assert not findings.holes, "\n".join(findings.holes)


def test_markup_prints_as_typed_in_every_pdf(client, planted):
    """The PDFs of the walk (poster, letter, slips, results) and those behind a parameter or a
    job: the statistics sheet and the campaign report."""
    from core.models import Job
    from oversight import services

    d = planted
    findings = Findings()
    client.force_login(d.root_user)
    _walk(client, [url for url in _pages(d) if url.endswith(".pdf") or "slips" in url], findings)
    slips = client.post(
        reverse("pledges:link_slips", args=[d.branch_b.pk]),
        {"token": d.link_token_b, "campaign": d.campaign_b.pk},
    )
    findings.response("link slips", slips)
    with zipfile.ZipFile(
        io.BytesIO(client.post(f"/people/batches/{d.batch_b.pk}/slips/").content)
    ) as sheets:
        for name in sheets.namelist():
            kind = "application/pdf" if name.endswith(".pdf") else "spreadsheetml"
            findings.response(name, HttpResponse(sheets.read(name), content_type=kind))
    client.force_login(UserFactory(username="wes"))  # 西山镇's secretary runs the round
    codes = client.post(
        reverse("reviews:issue_codes", args=[d.open_round.pk]), {"group": "member", "count": 1}
    )
    assert codes["Content-Type"] == "application/pdf", codes.status_code
    findings.response("ballot slips", codes)
    client.force_login(d.olivia)
    query = f"?org={d.west.pk}&campaign={d.campaign_b.pk}"
    statistics = client.get(f"/dashboard/export/statistics/{query}&format=pdf")
    assert statistics["Content-Type"] == "application/pdf"
    findings.response("statistics", statistics)
    assert client.post(f"/dashboard/report/{query}").status_code == 302
    services.run_report_job(Job.objects.get(kind="oversight.report").pk)
    job = Job.objects.get(kind="oversight.report")
    findings.response("report", client.get(job.result["next_url"]))
    assert not findings.holes, "\n".join(findings.holes)
    assert len(findings.files) == 9, findings.files


def test_the_findings_tell_markup_from_text():
    findings = Findings()
    findings.page("escaped", "<p>&lt;script&gt;alert(3)&lt;/script&gt;</p>")
    findings.page("raw", "<p><script>alert(4)</script><img src=x onerror=alert(4)></p>")
    findings.text("typed", "<script>alert(5)</script><img src=x onerror=alert(5)>\"'&")
    findings.text("stripped", "alert(6)")
    findings.text("entities", "&lt;script&gt;alert(7)")
    assert findings.shown == {3}
    assert [hole.split(":")[0] for hole in findings.holes] == [
        "raw",
        "raw",
        "raw",
        "stripped",
        "entities",
        "entities",
    ]
