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
        from allaboard.org.models import Role as R

        from . import panels, redaction

        self.home_panels = [panels.comments_panel]
        self.navigation = [
            ("Comments", "textinsight:summary", {R.ADMIN, R.CHANGE_LEAD, R.SPONSOR, R.TEAM_LEADER}),
        ]

        post_save.connect(redaction.forget_names, sender=Person, dispatch_uid="textinsight-names-save")
        post_delete.connect(redaction.forget_names, sender=Person, dispatch_uid="textinsight-names-delete")
