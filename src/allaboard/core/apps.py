from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "allaboard.core"
    label = "core"
    verbose_name = "All Aboard platform"
