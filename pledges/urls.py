from django.urls import path

from . import views, views_bulk, views_coverage, views_links
from .views_member import member_link

app_name = "pledges"

urlpatterns = [
    path("new/", views.create, name="create"),
    path("org/<int:pk>/", views.branch, name="branch"),
    path("org/<int:pk>/batch/", views.batch, name="batch"),
    # Pledges in bulk (views_bulk): the grid, the sheet import, the printable 承诺书.
    path("org/<int:pk>/grid/", views_bulk.grid, name="grid"),
    path("org/<int:pk>/import/", views_bulk.import_sheet, name="import"),
    path("import/template/", views_bulk.import_template, name="import_template"),
    path("<int:pk>/letter.pdf", views_bulk.letter, name="letter"),
    path("<int:pk>/letter/", views_bulk.letter_scan, name="letter_scan"),
    path("org/<int:pk>/missing/", views_coverage.missing, name="missing"),
    path("org/<int:pk>/list/", views.pledge_list, name="list"),
    path("org/<int:pk>/progress/export/", views.progress_export, name="progress_export"),
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
    path("member/<int:pk>/link/", member_link, name="member_link"),
]
