from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("courses/", views.course_list, name="courses"),
    path("courses/new/", views.course_edit, name="course_new"),
    path("courses/<int:pk>/", views.course_detail, name="course"),
    path("courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("courses/<int:course_pk>/sessions/new/", views.session_new, name="session_new"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/enrol/", views.session_enrol, name="session_enrol"),
    path("enrolments/<int:pk>/outcome/", views.enrolment_outcome, name="enrolment_outcome"),
    path("mine/", views.my_training, name="mine"),
    path("import/", views.lms_import, name="import"),
    path("import/<int:pk>/", views.lms_import_map, name="import_map"),
    path("coaching/", views.coaching, name="coaching"),
    path("coaching/new/", views.conversation_new, name="conversation_new"),
    path("coaching/coverage/", views.coaching_coverage, name="coverage"),
    path("coaching/<int:pk>/", views.conversation_detail, name="conversation"),
    path("coaching/<int:pk>/follow-up/", views.conversation_follow_up, name="follow_up"),
    path("actions/<int:pk>/done/", views.action_done, name="action_done"),
    path("decisions/", views.decisions, name="decisions"),
    path("decisions/report/", views.decision_report, name="decision_report"),
    path("decisions/exceptions/<int:pk>/decide/", views.exception_decide, name="exception_decide"),
    path("commitments/", views.commitments, name="commitments"),
    path("commitments/<int:pk>/actions/", views.commitment_action, name="commitment_action"),
]
