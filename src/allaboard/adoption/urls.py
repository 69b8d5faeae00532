from django.urls import path

from . import views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("tools/<int:pk>/", views.tool, name="tool"),
    path("tools/<int:pk>/teams/<int:unit_pk>/", views.team, name="team"),
    path("tools/<int:pk>/teams/<int:unit_pk>/decide/", views.decide, name="decide"),
    path("tools/<int:pk>/people/<int:person_pk>/", views.person, name="person"),
    path("mine/", views.mine, name="mine"),
    path("defects/", views.defects, name="defects"),
    path("defects/<int:pk>/", views.defect, name="defect"),
    path("defects/receipt/", views.receipt, name="receipt"),
    path("import/", views.import_upload, name="import"),
    path("import/<str:token>/", views.import_map, name="import_map"),
]
