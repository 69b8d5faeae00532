from django.urls import path

from . import views

urlpatterns = [
    path("", views.play_list, name="plays"),
    path("plays/new/", views.play_edit, name="play_new"),
    path("plays/<int:pk>/", views.play_detail, name="play"),
    path("plays/<int:pk>/edit/", views.play_edit, name="play_edit"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("recommendations/", views.recommendation_list, name="recommendations"),
    path("recommendations/refresh/", views.recommendation_refresh, name="recommendations_refresh"),
    path("recommendations/<int:pk>/", views.recommendation_detail, name="recommendation"),
    path("recommendations/<int:pk>/dismiss/", views.recommendation_dismiss, name="recommendation_dismiss"),
    path("recommendations/<int:pk>/reopen/", views.recommendation_reopen, name="recommendation_reopen"),
    path("actions/", views.action_list, name="actions"),
    path("actions/new/", views.action_new, name="action_new"),
    path("actions/<int:pk>/", views.action_detail, name="action"),
    path("actions/<int:pk>/edit/", views.action_edit, name="action_edit"),
    path("actions/<int:pk>/status/", views.action_status, name="action_status"),
    path("actions/<int:pk>/helped/", views.helped, name="helped"),
    path("updates/", views.update_list, name="updates"),
    path("updates/new/", views.update_edit, name="update_new"),
    path("updates/<int:pk>/", views.update_detail, name="update"),
    path("updates/<int:pk>/edit/", views.update_edit, name="update_edit"),
    path("updates/<int:pk>/publish/", views.update_publish, name="update_publish"),
]
