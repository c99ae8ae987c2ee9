from django.urls import path

from . import views, views_coverage, views_links

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
    # Members' own draft links (pledges/links.py); the member's page is draftlink:form.
    path("org/<int:pk>/links/", views_links.links_page, name="links"),
    path("org/<int:pk>/links/issue/", views_links.issue, name="issue_links"),
    path("org/<int:pk>/links/withdraw/", views_links.withdraw_all, name="withdraw_links"),
    path("org/<int:pk>/links/slips.pdf", views_links.slips, name="link_slips"),
    path("links/<int:pk>/withdraw/", views_links.withdraw, name="withdraw_link"),
    path("links/<int:pk>/reissue/", views_links.reissue, name="reissue_link"),
    # Parts of other apps' pages (slots).
    path("tree/coverage/", views.tree_coverage, name="tree_coverage"),
    path("tree/<int:pk>/coverage/", views.children_coverage, name="children_coverage"),
    path("campaign/<int:pk>/link/", views.campaign_link, name="campaign_link"),
]
