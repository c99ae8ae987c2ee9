from django.urls import path

from . import views, views_evaluations, views_recognition, views_suggestions

app_name = "reviews"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("behind/", views.behind_list, name="behind"),
    path("behind/supervise/", views.supervise, name="supervise"),
    path("new/", views.write, name="write"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("org/<int:pk>/", views.org_reviews, name="org"),
    path("org/<int:pk>/export/", views.reviews_export, name="reviews_export"),
    path("org/<int:pk>/summary/", views.org_summary, name="org_summary"),
    path("rectifications/", views.register_list, name="register"),
    path("rectifications/export/", views.register_export, name="register_export"),
    path("rectifications/new/", views.register_new, name="register_new"),
    path("rectifications/<int:pk>/", views.rectification, name="rectification"),
    path(
        "rectifications/<int:pk>/<slug:action>/",
        views.rectification_action,
        name="rectification_action",
    ),
    path("rectifications/<int:pk>/evidence/file/", views.evidence, name="evidence"),
    path("pledge/<int:pk>/verdicts/", views.pledge_verdicts, name="pledge_verdicts"),
    path("pledge/<int:pk>/verdicts/<slug:kind>/", views.give_verdict, name="give_verdict"),
    # A member's own 自评 through their draft link (pledges/links.py): the token is the key.
    path("self/<str:token>/", views.link_verdict, name="link_verdict"),
    # 群众评议, run by the level above the organisation evaluated.
    path("evaluations/", views_evaluations.rounds, name="rounds"),
    path("evaluations/export/", views_evaluations.rounds_export, name="rounds_export"),
    path("stars/", views_recognition.stars_waiting, name="stars_waiting"),
    path("stars/org/<int:pk>/", views_recognition.stars, name="stars"),
    path("stars/org/<int:pk>/confirm/", views_recognition.confirm_stars, name="confirm_stars"),
    path("stars/org/<int:pk>/return/", views_recognition.return_stars, name="return_stars"),
    path("commendations/", views_recognition.commendations, name="commendations"),
    path("commendations/new/", views_recognition.new_commendation, name="new_commendation"),
    path(
        "commendations/<int:pk>/publish/",
        views_recognition.publish_commendation,
        name="publish_commendation",
    ),
    path("questionnaires/", views_evaluations.questionnaires, name="questionnaires"),
    path("suggestions/", views_suggestions.suggestion_list, name="suggestions"),
    path("suggestions/<int:pk>/handle/", views_suggestions.handle, name="handle_suggestion"),
    path("suggestions/<int:pk>/rectify/", views_suggestions.rectify, name="rectify_suggestion"),
    path("questionnaires/new/", views_evaluations.questionnaire, name="new_questionnaire"),
    path("questionnaires/<int:pk>/", views_evaluations.questionnaire, name="questionnaire"),
    path("evaluations/new/", views_evaluations.new_round, name="new_round"),
    path("evaluations/new/members/", views_evaluations.new_members_round, name="new_members_round"),
    path("evaluations/<int:pk>/", views_evaluations.round_page, name="round"),
    path("evaluations/<int:pk>/codes/", views_evaluations.issue, name="issue_codes"),
    path("evaluations/<int:pk>/tally/", views_evaluations.tally, name="tally"),
    path("evaluations/<int:pk>/withdraw/", views_evaluations.withdraw, name="withdraw_codes"),
    path(
        "evaluations/<int:pk>/<slug:action>/", views_evaluations.round_action, name="round_action"
    ),
]
