from django.urls import path

from . import views

urlpatterns = [
    # Leaders: surveys and their waves.
    path("", views.survey_list, name="surveys"),
    path("new/", views.survey_new, name="survey_new"),
    path("<int:pk>/", views.survey_detail, name="survey"),
    path("<int:pk>/edit/", views.survey_edit, name="survey_edit"),
    path("<int:pk>/questions/", views.question_add, name="question_add"),
    path("<int:pk>/questions/<int:question_id>/remove/", views.question_remove, name="question_remove"),
    path("<int:pk>/translate/", views.translate, name="translate"),
    path("<int:pk>/waves/", views.wave_new, name="wave_new"),
    path("<int:pk>/trends/", views.trends, name="trends"),
    path("waves/<int:pk>/", views.wave_overview, name="wave"),
    path("waves/<int:pk>/participation/", views.wave_participation, name="participation"),
    path("waves/<int:pk>/heatmap/", views.wave_heatmap, name="heatmap"),
    path("waves/<int:pk>/reliability/", views.wave_reliability, name="reliability"),
    path("waves/<int:pk>/drivers/", views.wave_drivers, name="drivers"),
    path("waves/<int:pk>/comments/", views.wave_comments, name="comments"),
    path("waves/<int:pk>/export.<str:fmt>", views.wave_export, name="export"),
    path("waves/<int:pk>/open/", views.wave_open, name="wave_open"),
    path("waves/<int:pk>/close/", views.wave_close, name="wave_close"),
    path("waves/<int:pk>/resend/", views.wave_resend, name="wave_resend"),
    path("waves/<int:pk>/team-links/", views.team_links, name="team_links"),
    path("team-links/<int:pk>/print/", views.team_link_print, name="team_link_print"),
    path("comments/<uuid:answer_id>/reply/", views.comment_reply, name="comment_reply"),
    path("my-link/", views.resend_mine, name="resend_mine"),
    # Anyone with a link: answering.
    path("a/<str:token>/", views.answer, name="answer"),
    path("a/<str:token>/save/", views.answer_save, name="answer_save"),
    path("t/<str:token>/", views.team_answer, name="team_answer"),
    path("t/<str:token>/save/", views.team_answer_save, name="team_answer_save"),
]
