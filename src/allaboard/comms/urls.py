from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("messages/", views.message_list, name="messages"),
    path("messages/new/", views.message_edit, name="message_new"),
    path("messages/<int:pk>/", views.message_detail, name="message"),
    path("messages/<int:pk>/edit/", views.message_edit, name="message_edit"),
    path("messages/<int:pk>/send/", views.message_send, name="message_send"),
    path("messages/<int:pk>/unschedule/", views.message_unschedule, name="message_unschedule"),
    path("messages/<int:pk>/cancel/", views.message_cancel, name="message_cancel"),
    path("messages/<int:pk>/deliveries.csv", views.message_csv, name="message_csv"),
    path("m/<int:pk>/", views.read, name="read"),
    path("m/<int:pk>/understood/", views.acknowledge, name="acknowledge"),
    path("feed/", views.feed, name="feed"),
    path("o/<str:token>.gif", views.open_pixel, name="open"),
    path("c/<str:token>/", views.click, name="click"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery_retry"),
    path("channels/", views.channels, name="channels"),
    path("channels/<int:pk>/", views.channel_edit, name="channel_edit"),
    path("channels/<int:pk>/delete/", views.channel_delete, name="channel_delete"),
    path("channels/<int:pk>/test/", views.channel_test, name="channel_test"),
    path("programmes/<int:programme_pk>/sequence/", views.sequence, name="sequence"),
    path("questions/", views.questions, name="questions"),
    path("questions/ask/", views.ask, name="ask"),
    path("questions/mine/", views.my_questions, name="my_questions"),
    path("questions/<int:pk>/", views.question_detail, name="question"),
    path("questions/<int:pk>/hide/", views.question_hide, name="question_hide"),
    path("questions/receipt/<str:token>/", views.receipt, name="receipt"),
    path("faq/", views.faq, name="faq"),
]
