from django.urls import path

from . import views, views_coverage

app_name = "pledges"

urlpatterns = [
    path("new/", views.create, name="create"),
    path("org/<int:pk>/", views.branch, name="branch"),
    path("org/<int:pk>/batch/", views.batch, name="batch"),
    path("org/<int:pk>/missing/", views_coverage.missing, name="missing"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/correct/", views.correct, name="correct"),
    path("<int:pk>/step/<slug:name>/", views.step, name="step"),
    path("<int:pk>/progress/", views.add_progress, name="add_progress"),
    path("progress/<int:pk>/attachment/", views.attachment, name="attachment"),
    # Parts of other apps' pages (slots).
    path("tree/coverage/", views.tree_coverage, name="tree_coverage"),
    path("tree/<int:pk>/coverage/", views.children_coverage, name="children_coverage"),
    path("campaign/<int:pk>/link/", views.campaign_link, name="campaign_link"),
]
