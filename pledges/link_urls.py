"""Members' personal draft links (pledges/links.py): no login, the token is the key."""

from django.urls import path

from . import views_links

app_name = "draftlink"

urlpatterns = [
    path("<str:token>/", views_links.member_link, name="form"),
]
