"""Rules on members and branches that the services, the forms and the roster import share, so
that a date refused on a form is refused in a file too."""

import datetime
import re
import unicodedata

import emoji
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import MEMBER_HOLDING_KINDS, DatePrecision, Gender, Organization

EARLIEST_BIRTH = datetime.date(1900, 1, 1)
# The founding of the Party: no one joined earlier.
EARLIEST_JOIN = datetime.date(1921, 7, 1)


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same date `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def period_end(day: datetime.date, precision: str) -> datetime.date:
    """The last day a date known to `precision` may be: 1955年 → 1955-12-31."""
    if precision == DatePrecision.YEAR:
        return day.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return following - datetime.timedelta(days=1)
    return day


def validate_member_dates(fields: dict, today: datetime.date | None = None) -> None:
    """The rules on a member's dates, shared by the forms and the roster import.

    A date known only to the month or year (fields' `birth_date_precision`, `join_date_precision`)
    is refused only when every day it may be breaks a rule: 1955年 for a member who joined in
    March 1973 may be a birth in January. Raises ValidationError keyed by field; `today` may be
    passed by callers checking many rows.
    """
    today = today or timezone.localdate()
    birth, joined = fields.get("birth_date"), fields.get("join_date")
    # The latest day the join may have been, against the earliest the birth may have been.
    joined_latest = joined and period_end(
        joined, fields.get("join_date_precision") or DatePrecision.DAY
    )
    errors = {}
    if birth and birth > today:
        errors["birth_date"] = _("出生日期不能晚于今天。")
    elif birth and birth < EARLIEST_BIRTH:
        errors["birth_date"] = _("出生日期早于 1900 年，请核对。")
    if joined and joined > today:
        errors["join_date"] = _("入党时间不能晚于今天。")
    elif joined and joined_latest < EARLIEST_JOIN:
        errors["join_date"] = _("入党时间早于 1921 年 7 月，请核对。")
    elif birth and joined and not errors and joined_latest < add_years(birth, 18):
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
    brackets (full-width ones too), a +86 prefix. Raises ValidationError with the reason.

    The digits are ASCII 0-9 only. NFKC would read full-width, superscript and circled digits
    (１, ², ①) as digits, and other scripts' (٨) pass a looser check: a number that is not
    what it looks like would be stored, so they are refused by name."""
    if other := next((c for c in text if _numeral(c) and not "0" <= c <= "9"), None):
        raise ValidationError(
            _("联系电话只能使用半角数字 0–9，“%(char)s”不是，请切换到半角输入后重新填写。")
            % {"char": other}
        )
    phone = re.sub(r"[\s\-()—–]", "", unicodedata.normalize("NFKC", text))
    if phone.startswith("+86"):
        phone = phone[3:]
    if not re.fullmatch(r"[0-9]+", phone):
        raise ValidationError(_("联系电话只能包含数字。"))
    if not 7 <= len(phone) <= 12:
        raise ValidationError(_("联系电话位数不对，手机号码为 11 位。"))
    return phone


def _numeral(char: str) -> bool:
    """Whether Unicode counts `char` a digit or a number (１, ², ٨, ①, 五)."""
    return unicodedata.numeric(char, None) is not None


# Characters that make two names that look the same differ (zero-width spaces and joiners, the
# byte-order mark, the word joiner and invisible operators) or reorder how a name is shown
# (bidirectional marks, embeddings, overrides and isolates). They are removed, not refused: a
# roster copied from a web page carries them unseen, and 赵\u200b六 is the 赵六 already on it.
INVISIBLE_IN_NAMES = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# The dots written between the parts of a minority or foreign name (阿依古丽·买买提). NFKC leaves
# them apart (only the half-width katakana dot becomes ・), so all are written as U+00B7, the dot
# of the ID card.
MIDDLE_DOTS = re.compile("[\u0387\u2022\u2027\u2219\u22c5\u30fb\u00b7\u2e31\ua78f]")
NAME_DOT = "\u00b7"
HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
# NFKC makes full-width brackets half-width; a Chinese name is written with full-width ones
# (某某公司（集团）党委), so both spellings are stored as that one.
CHINESE_BRACKETS = str.maketrans("()", "（）")
# A name of Han characters, ASCII, the name dot and full-width brackets holds no emoji (every
# emoji, a keycap's too, has a character outside these): the emoji library, which costs more than
# the rest of an imported row, is asked only about the others.
PLAIN_NAME = re.compile("[\x00-\x7f\u3400-\u4dbf\u4e00-\u9fff\u00b7（）]*")


def clean_name(text: str, *, label: str | None = None) -> str:
    """A person's or an organisation's name as stored, the same way from a form, a service and an
    import: NFKC (full-width letters and digits become half-width), invisible and direction
    characters removed, one middle dot, full-width brackets in a Chinese name, outer spaces
    stripped. Emoji are refused with a ValidationError naming `label` (姓名 by default)."""
    name = unicodedata.normalize("NFKC", text)
    name = INVISIBLE_IN_NAMES.sub("", name)
    name = MIDDLE_DOTS.sub(NAME_DOT, name).strip()
    if HAN.search(name):
        name = name.translate(CHINESE_BRACKETS)
    found = [] if PLAIN_NAME.fullmatch(name) else emoji.distinct_emoji_list(name)
    if found:
        raise ValidationError(
            _("%(label)s中不能有表情符号（%(emoji)s），请删除后再试。")
            % {"label": label or _("姓名"), "emoji": "".join(found)}
        )
    return name


# GB 11643-1999: the 18th character is the ISO 7064 MOD 11-2 check of the first 17 digits.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_NUMBER = re.compile(r"[0-9]{17}[0-9X]")


def clean_id_number(text: str) -> str:
    """A 公民身份号码 as stored: 18 characters, X upper-case, its check digit right. The old
    15-digit numbers are refused rather than converted: the 18-digit one on today's ID card is
    the person's, and a conversion would only guess it. Raises ValidationError with the reason."""
    number = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", text)).upper()
    if re.fullmatch(r"[0-9]{15}", number):
        raise ValidationError(
            _("这是 15 位的旧身份证号，请填写现行 18 位的公民身份号码（见居民身份证）。")
        )
    if not ID_NUMBER.fullmatch(number):
        raise ValidationError(_("公民身份号码应为 18 位：17 位数字加 1 位数字或 X，请核对。"))
    total = sum(int(digit) * weight for digit, weight in zip(number, ID_WEIGHTS, strict=False))
    if ID_CHECK[total % 11] != number[-1]:
        raise ValidationError(_("公民身份号码的校验位不对，请逐位核对。"))
    try:
        datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("公民身份号码中的出生日期不存在，请核对。")) from None
    return number


def id_number_birth(number: str) -> datetime.date:
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def check_id_number_agrees(fields: dict) -> None:
    """Refuses an ID number (already cleaned) that disagrees with the birth date (digits 7–14,
    compared as far as the birth date is known) or the gender (17th digit odd for 男)."""
    number = fields.get("id_number")
    if not number:
        return
    born = id_number_birth(number)
    birth, precision = fields.get("birth_date"), fields.get("birth_date_precision")
    if birth:
        if precision == DatePrecision.YEAR:
            agrees = born.year == birth.year
        elif precision == DatePrecision.MONTH:
            agrees = (born.year, born.month) == (birth.year, birth.month)
        else:
            agrees = born == birth
        if not agrees:
            raise ValidationError(
                {
                    "id_number": _("公民身份号码中的出生日期（%(born)s）与出生日期不一致，请核对。")
                    % {"born": born.strftime("%Y-%m-%d")}
                }
            )
    gender = fields.get("gender")
    if gender:
        male = int(number[16]) % 2 == 1
        if male != (gender == Gender.MALE):
            raise ValidationError(
                {
                    "id_number": _("公民身份号码的第 17 位表示%(gender)s性，与性别不一致，请核对。")
                    % {"gender": _("男") if male else _("女")}
                }
            )
