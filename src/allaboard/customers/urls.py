from django.urls import path

from . import views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("themes/", views.themes, name="themes"),
    path("impact/", views.impact, name="impact"),
    path("linkage/", views.linkage, name="linkage"),
    path("mine/", views.mine, name="mine"),
    path("agents/<int:pk>/", views.agent, name="agent"),
    path("units/<int:pk>/agents/", views.unit_agents, name="unit_agents"),
    path("import/", views.import_upload, name="import"),
    path("import/<str:token>/", views.import_preview, name="import_preview"),
]
