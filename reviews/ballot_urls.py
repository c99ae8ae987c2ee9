"""群众评议 for the public (no login): the ballot with its one-time code, and the published
results."""

from django.urls import path

from . import views_ballot

app_name = "ballot"

urlpatterns = [
    path("", views_ballot.ballot, name="form"),
    path("thanks/", views_ballot.thanks, name="thanks"),
    path("results/<int:pk>/", views_ballot.results, name="results"),
    path("results/<int:pk>/print.pdf", views_ballot.results_pdf, name="results_pdf"),
    path("box/<int:pk>/", views_ballot.box, name="box"),
]
