"""The public pledge board (公开栏): no login, published pledges only."""

from django.urls import path

from . import board

app_name = "board"

urlpatterns = [
    path("<int:pk>/", board.board, name="board"),
    path("<int:pk>/poster.pdf", board.poster, name="poster"),
]
