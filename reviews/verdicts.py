"""The final verdict of a pledge (评诺), as one rule in one function.

Up to four verdicts, each 已兑现 / 基本兑现 / 未兑现: 自评, 组织评, 领导评 (optional) and 群众评
(from a mass evaluation). The final verdict is given once 自评 and 组织评 both exist: the lower of
the two; a 领导评 or a 群众评 below it lowers it further. So a verdict that arrives after the final
one can only lower it, never raise it.
"""

from django.utils.translation import gettext_lazy as _

from .models import Fulfilment, VerdictKind

# Shown on the page as it is written here.
RULE = _(
    "自评和组织评都录入后给出最终评价：取两者中较低的一项；领导评或群众评更低时，以更低的为准。"
    "此后录入的领导评、群众评只会降低最终评价，不会提高。"
)
# Best first.
ORDER = [Fulfilment.FULFILLED, Fulfilment.MOSTLY, Fulfilment.UNFULFILLED]
REQUIRED = (VerdictKind.SELF, VerdictKind.ORGANIZATION)


def final_result(results: dict[str, str]) -> str | None:
    """The final verdict from {verdict kind: result}; None while 自评 or 组织评 is missing."""
    if any(kind not in results for kind in REQUIRED):
        return None
    return max(results.values(), key=ORDER.index)


def lower(current: str, new: str) -> str:
    """The worse of two results."""
    return max(current, new, key=ORDER.index)
