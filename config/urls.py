from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from oversight import views as oversight_views

urlpatterns = [
    path("", oversight_views.home, name="home"),
    path("accounts/login/", oversight_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("orgs/", include("orgs.urls")),
    path("campaigns/", include("campaign.urls")),
    path("pledges/", include("pledges.urls")),
    path("board/", include("pledges.board_urls")),
    path("jobs/", include("core.urls")),
    path("admin/", admin.site.urls),
]
