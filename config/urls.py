from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.http import require_http_methods, require_safe

from accounts import views as accounts_views
from accounts.forms import PasswordResetForm
from campaign import views_inbox as campaign_inbox
from oversight import views as oversight_views
from oversight import views_dashboard as oversight_dashboard
from oversight import views_exports as oversight_exports
from reviews import views_recognition as reviews_recognition

FORM_METHODS = require_http_methods(["GET", "HEAD", "POST"])

urlpatterns = [
    path("", oversight_views.home, name="home"),
    path("dashboard/", oversight_dashboard.dashboard, name="dashboard"),
    path("dashboard/ranking/", oversight_dashboard.ranking, name="ranking"),
    path("dashboard/export/ranking/", oversight_exports.ranking, name="export_ranking"),
    path("dashboard/report/", oversight_exports.report, name="campaign_report"),
    path("dashboard/export/statistics/", oversight_exports.statistics, name="export_statistics"),
    path("dashboard/export/pledges/<int:pk>/", oversight_exports.pledges, name="export_pledges"),
    path(
        "dashboard/export/pledges/<int:pk>/menu/",
        oversight_exports.pledges_menu,
        name="export_pledges_menu",
    ),
    path("dashboard/grade/<int:pk>/", oversight_dashboard.grade, name="grade_organization"),
    path(
        "dashboard/candidates/",
        oversight_dashboard.commendation_candidates,
        name="commendation_candidates",
    ),
    path(
        "dashboard/candidates/button/",
        oversight_dashboard.commendation_candidates_button,
        name="commendation_candidates_button",
    ),
    path("accounts/login/", oversight_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        # Django's form views take PUT as a POST: the site answers 405, before the login check.
        require_http_methods(["GET", "HEAD", "POST"])(auth_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        require_safe(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    # First sign-in with an activation code, or a reset code from the level above.
    path("accounts/activate/", accounts_views.activate, name="activate"),
    # Self-service reset by email (settings.EMAIL_RESET): Django's views, in Chinese.
    path(
        "accounts/password/reset/",
        FORM_METHODS(
            accounts_views.email_reset_view(
                auth_views.PasswordResetView.as_view(form_class=PasswordResetForm)
            )
        ),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        require_safe(accounts_views.email_reset_view(auth_views.PasswordResetDoneView.as_view())),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        FORM_METHODS(
            accounts_views.email_reset_view(auth_views.PasswordResetConfirmView.as_view())
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        require_safe(
            accounts_views.email_reset_view(auth_views.PasswordResetCompleteView.as_view())
        ),
        name="password_reset_complete",
    ),
    path("people/", include("accounts.urls")),
    path("orgs/", include("orgs.urls")),
    path("campaigns/<int:pk>/close/", oversight_views.close_campaign, name="campaign_close"),
    path(
        "campaigns/<int:pk>/close/button/",
        oversight_views.close_campaign_button,
        name="campaign_close_button",
    ),
    path("campaigns/", include("campaign.urls")),
    path("inbox/", campaign_inbox.inbox, name="inbox"),
    path("inbox/<int:pk>/", campaign_inbox.open_notification, name="inbox_open"),
    path("inbox/read/", campaign_inbox.mark_all_read, name="inbox_read"),
    path("inbox/export/", campaign_inbox.inbox_export, name="inbox_export"),
    path("inbox/sweeps/", campaign_inbox.sweeps, name="sweeps"),
    path("pledges/", include("pledges.urls")),
    path("reviews/", include("reviews.urls")),
    path("e/", include("reviews.ballot_urls")),  # 群众评议: short, for QR codes
    path("board/", include("pledges.board_urls")),
    path("honours/<int:pk>/", reviews_recognition.honours, name="honours"),
    path("l/", include("pledges.link_urls")),  # members' draft links: short, for QR codes
    path("jobs/", include("core.urls")),
    path("admin/", admin.site.urls),
]
