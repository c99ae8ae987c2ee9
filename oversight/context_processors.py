from dataclasses import dataclass

from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from campaign import calendar, notifications
from orgs import access
from orgs.models import Organization
from reviews import access as review_access

# The navigation of a signed-in user, kept in the session by the login view: pages then draw the
# bar without reading the user's roles and organisations again. A role given or taken shows in
# the bar at the next login; what a user may reach is still decided on every request by `access`.
SESSION_KEY = "oversight.nav"


@dataclass(frozen=True)
class NavOrg:
    pk: int
    name: str
    url: str

    def get_absolute_url(self) -> str:
        return self.url


def navigation_for(user) -> dict:
    """What the navigation bar offers this user, in a form the session can store."""
    roots = access.roots_for(user)
    home = roots[0] if len(roots) == 1 else None
    return {
        "home_org": [home.pk, home.name, home.get_absolute_url()] if home else None,
        # Whose campaign's current phase the bar shows: the user's top organisation's.
        "home_path": home.path if home else None,
        # One branch (members, nothing below): its page is a button in the phone's header.
        "home_branch": bool(home and home.holds_members and home.numchild == 0),
        "can_manage": access.can_manage_anything(user),
        # Leader reviews (领导点评) are written from above: the menu for those who may.
        "reviews": review_access.reviews_anyone(user),
    }


def remember_navigation(request) -> None:
    """Stores the signed-in user's navigation in the session (called once, at login)."""
    request.session[SESSION_KEY] = navigation_for(request.user)


def navigation(request):
    """The navigation bar's data: from the session when the login stored it, else computed, and
    only when a template asks (the public board never does)."""

    def nav():
        if not request.user.is_authenticated:
            return {}
        stored = request.session.get(SESSION_KEY) or navigation_for(request.user)
        home = stored["home_org"]
        return {
            "home_org": NavOrg(*home) if home else None,
            "home_branch": stored.get("home_branch", False),  # a session from before it
            "can_manage": stored["can_manage"],
            "reviews": stored.get("reviews", False),  # a session from before it
            "phase": SimpleLazyObject(lambda: _phase(stored.get("home_path"))),
            "unread": SimpleLazyObject(lambda: notifications.unread_count(request.user)),
        }

    return {"nav": SimpleLazyObject(nav)}


def _phase(path: str | None) -> dict:
    """The current phase and stages of the user's campaign, for the bar (empty when none)."""
    if not path:
        return {}
    _campaign, now = calendar.now_for(Organization(path=path), timezone.localdate())
    if now is None or (now.phase is None and not now.stages):
        return {}
    return {
        "name": now.phase.name if now.phase else now.stages[0].name,
        "stages": "、".join(stage.name for stage in now.stages),
    }
