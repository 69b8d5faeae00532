from django.apps import AppConfig


class CommsConfig(AppConfig):
    name = "allaboard.comms"
    label = "comms"
    verbose_name = "Communications"
    home_panels: list = []
    navigation: list = []
