from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.http import require_http_methods, require_safe

from oversight import views as oversight_views

urlpatterns = [
    path("", oversight_views.home, name="home"),
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
    path("orgs/", include("orgs.urls")),
    path("campaigns/", include("campaign.urls")),
    path("pledges/", include("pledges.urls")),
    path("board/", include("pledges.board_urls")),
    path("l/", include("pledges.link_urls")),  # members' draft links: short, for QR codes
    path("jobs/", include("core.urls")),
    path("admin/", admin.site.urls),
]
