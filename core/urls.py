from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("<int:pk>/", views.job, name="job"),
    path("exports/", views.export_list, name="exports"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]
