from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.people, name="people"),
    path("<int:pk>/", views.person, name="person"),
    path("<int:pk>/edit/", views.edit_person, name="edit"),
    path("<int:pk>/reset/", views.reset, name="reset"),
    path("<int:pk>/deactivate/", views.deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views.reactivate, name="reactivate"),
    path("roles/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("orgs/<int:pk>/grant/", views.grant, name="grant"),
    path("orgs/<int:pk>/hand-over/", views.hand_over, name="hand_over"),
    path("orgs/<int:pk>/actions/", views.org_actions, name="org_actions"),
    path("provision/", views.provision, name="provision"),
    path("provision/template.xlsx", views.provision_template, name="provision_template"),
    path("batches/<int:pk>/", views.batch, name="batch"),
    path("batches/<int:pk>/slips/", views.batch_slips, name="batch_slips"),
]
