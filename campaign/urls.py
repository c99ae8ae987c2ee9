from django.urls import path

from . import views

app_name = "campaign"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/phases/", views.phases, name="phases"),
    path("<int:pk>/deadlines/", views.deadlines, name="deadlines"),
    path("<int:pk>/copy/", views.copy_campaign, name="copy"),
]
