from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.forms import LoginForm
from campaign import access as campaign_access
from core import home as home_cards
from core import ratelimits
from orgs import access
from orgs.models import RoleKind

from . import services
from .context_processors import remember_navigation

# The roles whose home is the dashboard of their organisation: those who steer the campaign.
STEERING_ROLES = (RoleKind.OFFICE, RoleKind.ADMIN)


def steers(user, org) -> bool:
    """Whether the user's home is the dashboard: an office or admin role on their first
    organisation, and no role there that has work of its own to do (a secretary's)."""
    kinds = {kind for path, kind, _id in access.user_roles(user) if path == org.path}
    return bool(kinds) and kinds <= set(STEERING_ROLES)


@require_safe
@login_required
def home(request):
    """Where a user lands: for an office or an admin, the dashboard of their scope; for the
    others, what each app has for them to do or look at (core/home.py), e.g. a secretary's
    branch during a campaign; links to the organisations at the top of their scope otherwise."""
    roots = access.roots_for(request.user)
    if not roots:
        return render(request, "oversight/no_role.html")
    if steers(request.user, roots[0]):
        return redirect("dashboard")
    context = {"cards": home_cards.cards_for(request.user), "roots": roots[:10]}
    return render(request, "oversight/home.html", context)


# Before anything else: Django's login would redirect a signed-in user whatever the method, and
# its form views take PUT as a POST.
@method_decorator(require_http_methods(["GET", "HEAD", "POST"]), name="dispatch")
class LoginView(auth_views.LoginView):
    """Django's login, which also keeps the user's navigation in the new session.

    Failed sign-ins are counted per client address across usernames (LOGIN_RATE_LIMIT), against
    a password spray that stays under the lockout of each username; past the limit the form is
    not even checked. Successful ones are not counted: a whole office behind one address signs
    in every morning."""

    redirect_authenticated_user = True
    authentication_form = LoginForm

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "email_reset": settings.EMAIL_RESET}

    def post(self, request, *args, **kwargs):
        if ratelimits.exceeded(request, group="login", rate=settings.LOGIN_RATE_LIMIT, count=False):
            return render(request, "registration/rate_limited.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        ratelimits.exceeded(self.request, group="login", rate=settings.LOGIN_RATE_LIMIT)
        return super().form_invalid(form)

    def form_valid(self, form):
        response = super().form_valid(form)
        remember_navigation(self.request)
        return response


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def close_campaign(request, pk):
    """结束验收, after a confirmation: the campaign becomes read-only, its figures frozen."""
    campaign = campaign_access.get_campaign_for_user(request.user, pk, write=True)
    if request.method == "POST":
        try:
            services.close_campaign(campaign, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("活动“%(name)s”已结束验收。") % {"name": campaign.name})
        return redirect(campaign)
    context = {"campaign": campaign, "figures": services.campaign_figures(campaign)}
    return render(request, "oversight/close_campaign.html", context)


@require_safe
@login_required
def close_campaign_button(request, pk):
    """The "campaign.detail" slot: 结束验收, for those who run a campaign still open."""
    campaign = campaign_access.get_campaign_for_user(request.user, pk)
    shown = campaign.closed_at is None and campaign_access.can_run(
        request.user, campaign.organization
    )
    return render(request, "oversight/_close_button.html", {"campaign": campaign, "shown": shown})
