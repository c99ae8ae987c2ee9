"""Slots: a lower app's page shows a part that a higher app owns, without knowing that app.

Apps import only downward (docs/ARCHITECTURE.md), so the tree page of `orgs` cannot ask
`pledges` for the pledge coverage of its nodes. Instead the page names a slot in its template:

    {% load slots %}{% slot "orgs.tree" %}

and a higher app fills the slot in its AppConfig.ready() with a view of its own:

    slots.fill("orgs.tree", "pledges:tree_coverage")

The slot renders one htmx placeholder per filler, which loads the filler's URL (reversed with the
slot's keyword arguments, carrying the page's query string) once the page is shown, and is
replaced by the answer. A part that belongs elsewhere on the page comes as out-of-band swaps
(hx-swap-oob) onto ids the page documents with its slot. A slot nobody fills renders nothing.

A page without scripts (a member's draft link, opened on any phone) shows its slot's fillers as
plain links instead: the filler gives a label, and the page asks `links(slot, **kwargs)` for
(label, URL) pairs.
"""

from collections import defaultdict

from django.urls import reverse

_fillers: dict[str, list[str]] = defaultdict(list)
_labels: dict[tuple[str, str], str] = {}


def fill(slot: str, url_name: str, label: str = "") -> None:
    """Has the slot load the view named `url_name` (or, on a page without scripts, link to it
    under `label`); filling twice with the same view is a no-op."""
    if url_name not in _fillers[slot]:
        _fillers[slot].append(url_name)
    if label:
        _labels[(slot, url_name)] = label


def links(slot: str, **kwargs) -> list[tuple[str, str]]:
    """(label, URL) of each filler of the slot, its URL reversed with `kwargs`."""
    return [
        (str(_labels.get((slot, name), "")), reverse(name, kwargs=kwargs))
        for name in _fillers.get(slot, ())
    ]


def fillers(slot: str) -> list[str]:
    return list(_fillers.get(slot, ()))
