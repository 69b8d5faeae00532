from django.apps import AppConfig


class TextinsightConfig(AppConfig):
    name = "allaboard.textinsight"
    label = "textinsight"
    verbose_name = "Comment insight"
    home_panels: list = []
    navigation: list = []

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from allaboard.org.models import Person

        from . import redaction

        post_save.connect(redaction.forget_names, sender=Person, dispatch_uid="textinsight-names-save")
        post_delete.connect(redaction.forget_names, sender=Person, dispatch_uid="textinsight-names-delete")
