"""The home page's to-do cards: each app adds its own, without the top app knowing them.

The home page (oversight.views.home) belongs to the top app, but what a user has to do comes
from the apps below it: the pledges a secretary has to move today, the coverage an office looks
at; later issues add reviews owed, evaluations due, reminders. As with slots (core/slots.py), the
app that knows registers itself in its AppConfig.ready():

    home.register(pledges.home.cards)

A provider takes the signed-in user and returns the cards it has for them (none when it has
nothing to say). It reads rollups and selectors, never counts by itself: the home is the page
every user opens first, and its query budget is tested (tests/oversight/test_home.py).
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Item:
    """One thing to do or look at, with the link that opens that work."""

    label: str  # e.g. "7 人未录入"
    url: str
    count: int = 0
    # How it reads: "danger" (overdue), "warning" (work waiting), "secondary" (nothing waiting).
    tone: str = "secondary"


@dataclass
class Card:
    title: str  # e.g. the organisation's name
    summary: str  # the headline figure, e.g. "本支部 23/38 已公开"
    url: str = ""  # the card's own page (the branch page, the coverage)
    subtitle: str = ""  # e.g. the campaign's name
    items: list[Item] = field(default_factory=list)  # buttons opening the filtered work
    list_title: str = ""  # e.g. "进度靠后的单位"
    rows: list[Item] = field(default_factory=list)  # a short list under the buttons
    order: int = 100  # cards are shown by this, then by registration


Provider = Callable[[object], list[Card]]

_providers: list[Provider] = []


def register(provider: Provider) -> None:
    """Adds a provider of home cards; registering the same one twice is a no-op."""
    if provider not in _providers:
        _providers.append(provider)


def providers() -> list[Provider]:
    return list(_providers)


def cards_for(user) -> list[Card]:
    """Every provider's cards for the user, in their order."""
    cards = [card for provider in _providers for card in provider(user)]
    return sorted(cards, key=lambda card: card.order)
