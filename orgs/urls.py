from django.urls import path

from . import views, views_import

app_name = "orgs"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/children/", views.children, name="children"),
    path("<int:pk>/export/", views.organizations_export, name="organizations_export"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/add/", views.add_child, name="add_child"),
    path("<int:pk>/deactivate/", views.deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views.reactivate, name="reactivate"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("<int:pk>/members/", views.roster, name="roster"),
    path("<int:pk>/members/export/", views.roster_export, name="roster_export"),
    path("<int:pk>/members/transfer-in/", views.transfer_in, name="transfer_in"),
    path("<int:pk>/members/add/", views.add_member, name="add_member"),
    path("members/<int:pk>/", views.member, name="member"),
    path("members/<int:pk>/edit/", views.edit_member, name="edit_member"),
    path("members/<int:pk>/id-number/", views.reveal_id_number, name="reveal_id_number"),
    path("members/<int:pk>/move/", views.move_member, name="move_member"),
    path("members/<int:pk>/deactivate/", views.deactivate_member, name="deactivate_member"),
    path("members/<int:pk>/transfer-out/", views.transfer_out, name="transfer_out"),
    path("members/<int:pk>/reactivate/", views.reactivate_member, name="reactivate_member"),
    path("import/members/", views_import.import_members, name="import_members"),
    path("import/members/template.xlsx", views_import.member_template, name="member_template"),
    path("import/tree/", views_import.import_tree, name="import_tree"),
    path("import/errors/<slug:token>.csv", views_import.import_errors, name="import_errors"),
    path("import/tree/template.xlsx", views_import.tree_template, name="tree_template"),
]
