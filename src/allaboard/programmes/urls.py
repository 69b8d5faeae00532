from django.urls import path

from . import views

urlpatterns = [
    path("", views.programme_list, name="list"),
    path("new/", views.programme_edit, name="new"),
    path("mine/", views.what_changes_for_me, name="mine"),
    path("<int:pk>/", views.programme_detail, name="detail"),
    path("<int:pk>/edit/", views.programme_edit, name="edit"),
]
