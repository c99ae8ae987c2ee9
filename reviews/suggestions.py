"""The online 意见箱 of each public board: a suggestion or complaint left without login, about
the organisation or one of its public pledges; rate-limited per client address (the view) and
length-limited, plain text without links; seen by the organisation and the levels above, never
published; handled with a note, or turned into a rectification by the level above."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audited
from core.services import require
from orgs import access as org_access
from orgs.models import Organization
from pledges.models import Pledge

from . import access, services
from .models import Rectification, RectificationSource, Suggestion, SuggestionState

MIN_LENGTH, MAX_LENGTH = 5, 300
# Links and addresses: the box takes words, not places to go (no spam, no tracking pixels).
LINK = re.compile(r"https?://|www\.|\.(?:com|cn|net|org|top|xyz)\b|<[a-z/!]", re.IGNORECASE)


def leave(organization: Organization, *, text: str, pledge: Pledge | None = None) -> Suggestion:
    text = (text or "").strip()
    if len(text) < MIN_LENGTH:
        raise ValidationError(
            {"text": _("请写下您的意见建议（至少 %(n)s 个字）。") % {"n": MIN_LENGTH}}
        )
    if len(text) > MAX_LENGTH:
        raise ValidationError({"text": _("意见建议不能超过 %(n)s 个字。") % {"n": MAX_LENGTH}})
    if LINK.search(text):
        raise ValidationError({"text": _("意见建议中不能包含网址或链接。")})
    if pledge is not None and pledge.home_org.pk != organization.pk:
        raise ValidationError({"pledge": _("只能选择本组织公开栏上的承诺。")})
    return Suggestion.objects.create(
        organization=organization, pledge=pledge, text=text, received_on=timezone.localdate()
    )


def suggestions_for(user):
    """The organisation's box is read by those who see it: itself and the levels above."""
    return Suggestion.objects.filter(org_access.scope_q(user, "organization__path"))


def handle(suggestion: Suggestion, *, by, note: str) -> Suggestion:
    """已处理: whoever manages the organisation or a level above records what was done."""
    require(
        org_access.can_manage(by, suggestion.organization)
        or access.role_above(by, suggestion.organization, access.REGISTERING_ROLES) is not None
    )
    if not note.strip():
        raise ValidationError({"note": _("请写明处理情况。")})
    with audited(by=by):
        updated = Suggestion.objects.filter(pk=suggestion.pk, state=SuggestionState.NEW).update(
            state=SuggestionState.HANDLED, note=note.strip(), handled_by=by
        )
    if not updated:
        raise ValidationError(_("该意见已处理。"))
    suggestion.refresh_from_db()
    return suggestion


def to_rectification(
    suggestion: Suggestion, *, by, deadline, responsible_person: str
) -> Rectification:
    """The level above registers it as a problem to correct (挂号), once."""
    with transaction.atomic():
        # The suggestion's row first, conditionally: of two clicks at once, one registers.
        taken = Suggestion.objects.filter(pk=suggestion.pk, state=SuggestionState.NEW).update(
            state=SuggestionState.RECTIFYING, handled_by=by
        )
        if not taken:
            raise ValidationError(_("该意见已处理。"))
        item = services.register_rectification(
            suggestion.organization,
            by=by,
            problem=suggestion.text,
            deadline=deadline,
            responsible_person=responsible_person,
            source=RectificationSource.SUGGESTION,
        )
        Suggestion.objects.filter(pk=suggestion.pk).update(rectification=item)
    suggestion.refresh_from_db()
    return item


def counts(organization: Organization, starts_on, ends_on) -> dict:
    """How many came in over a period and how they were handled (a round's results list it)."""
    rows = Suggestion.objects.filter(
        organization=organization, received_on__range=(starts_on, ends_on)
    ).values_list("state", flat=True)
    states = list(rows)
    return {
        "total": len(states),
        "handled": states.count(SuggestionState.HANDLED),
        "rectifying": states.count(SuggestionState.RECTIFYING),
    }
