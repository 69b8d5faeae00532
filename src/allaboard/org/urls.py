from django.urls import path

from . import views

urlpatterns = [
    path("", views.units, name="units"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("import/", views.import_people, name="import"),
    path("audit/", views.audit_log, name="audit"),
]
