"""Rules on members and branches that the services, the forms and the roster import share, so
that a date refused on a form is refused in a file too."""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import MEMBER_HOLDING_KINDS, Organization

EARLIEST_BIRTH = datetime.date(1900, 1, 1)
# The founding of the Party: no one joined earlier.
EARLIEST_JOIN = datetime.date(1921, 7, 1)


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same date `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def validate_member_dates(fields: dict, today: datetime.date | None = None) -> None:
    """The rules on a member's dates, shared by the forms and the roster import.

    Raises ValidationError keyed by field; `today` may be passed by callers checking many rows.
    """
    today = today or timezone.localdate()
    birth, joined = fields.get("birth_date"), fields.get("join_date")
    errors = {}
    if birth and birth > today:
        errors["birth_date"] = _("出生日期不能晚于今天。")
    elif birth and birth < EARLIEST_BIRTH:
        errors["birth_date"] = _("出生日期早于 1900 年，请核对。")
    if joined and joined > today:
        errors["join_date"] = _("入党时间不能晚于今天。")
    elif joined and joined < EARLIEST_JOIN:
        errors["join_date"] = _("入党时间早于 1921 年，请核对。")
    elif birth and joined and not errors and joined < add_years(birth, 18):
        errors["join_date"] = _("入党时应年满十八周岁，请核对入党时间和出生日期。")
    if errors:
        raise ValidationError(errors)


def require_branch(branch: Organization) -> None:
    """Refuses an organisation that cannot take members: inactive, or not a branch."""
    if not branch.active:
        raise ValidationError(
            {"branch": _("“%(name)s”已撤销，不能接收党员。") % {"name": branch.name}}
        )
    if branch.kind not in MEMBER_HOLDING_KINDS:
        raise ValidationError(
            {
                "branch": _("“%(name)s”是%(kind)s，党员应编入党支部。")
                % {"name": branch.name, "kind": branch.get_kind_display()}
            }
        )


def clean_phone(text: str) -> str:
    """A phone number as stored, digits only, from the way people write one: spaces, dashes and
    brackets, full-width digits, a +86 prefix. Raises ValidationError with the reason."""
    phone = re.sub(r"[\s\-()—–]", "", unicodedata.normalize("NFKC", text))
    if phone.startswith("+86"):
        phone = phone[3:]
    if not re.fullmatch(r"[0-9]+", phone):
        raise ValidationError(_("联系电话只能包含数字。"))
    if not 7 <= len(phone) <= 12:
        raise ValidationError(_("联系电话位数不对，手机号码为 11 位。"))
    return phone
