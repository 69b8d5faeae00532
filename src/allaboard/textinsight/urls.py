from django.urls import path

from . import views

urlpatterns = [
    path("", views.summary, name="summary"),
    path("comments/", views.comments, name="comments"),
    path("comments/<int:pk>/correct/", views.correct, name="correct"),
    path("quality/", views.quality, name="quality"),
    path("quality/retrain/", views.retrain, name="retrain"),
    path("emerging/", views.emerging, name="emerging"),
]
