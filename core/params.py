"""Ids read from a query string or a form field outside a Django form: one strict parser.

`str.isdigit()` and `int()` take far more than 0–9: "²" passes isdigit but fails int() (a 500
for anyone who types it), "٨" and "１２" pass both. An id is written by the site itself in its own
links, so only what the site writes is read: ASCII digits, within the range of a database id.
Anything else is no id at all (None), which pages treat as the parameter being absent.
"""

import re

from django.http import QueryDict

# The largest PostgreSQL bigint (the primary keys are BigAutoField), and SQLite's INTEGER.
MAX_ID = 2**63 - 1
# Bounded so that a megabyte of digits is refused by the pattern, never converted.
ID_PATTERN = re.compile(r"[0-9]{1,19}", re.ASCII)


def parse_id(value: str | None) -> int | None:
    """The id written in `value`: ASCII digits only, from 1 to MAX_ID; None for anything else
    (empty, signs, spaces, other scripts' digits, superscripts, a number too large)."""
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def id_param(params: QueryDict, name: str) -> int | None:
    """The id in `params[name]` (request.GET or request.POST), None when absent or not an id."""
    return parse_id(params.get(name))
