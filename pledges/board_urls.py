"""The public pledge board (公开栏): no login, published pledges only."""

from django.urls import path

from . import views_board

app_name = "board"

urlpatterns = [
    path("<int:pk>/", views_board.board, name="board"),
    path("<int:pk>/poster.pdf", views_board.poster, name="poster"),
]
