"""Rules that the account forms, the services and the provisioning sheet share."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SEPARATORS = str.maketrans("", "", " -\u3000")


def clean_mobile(value: str) -> str:
    """A mainland mobile number as stored: eleven ASCII digits starting with 1. Spaces and dashes
    are dropped, and a leading +86 or 86."""
    text = str(value or "").strip().translate(SEPARATORS)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if not text:
        raise ValidationError(_("请填写手机号码。"))
    odd = next((ch for ch in text if not ("0" <= ch <= "9")), None)
    if odd is not None:
        raise ValidationError(_("手机号码只能由数字组成，其中有“%(char)s”。") % {"char": odd})
    if len(text) != 11 or not text.startswith("1"):
        raise ValidationError(
            _("手机号码应为以 1 开头的 11 位数字，“%(value)s”不是。") % {"value": text}
        )
    return text


def looks_like_mobile(value: str) -> bool:
    try:
        clean_mobile(value)
    except ValidationError:
        return False
    return True
