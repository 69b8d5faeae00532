from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PlaybookConfig(AppConfig):
    name = "allaboard.playbook"
    label = "playbook"
    verbose_name = "Playbook and action plans"
    home_panels: list = []
    navigation: list = []

    def ready(self):
        from allaboard.org.models import Role

        from . import library, panels

        post_migrate.connect(library.on_post_migrate, sender=self)
        self.home_panels = [
            panels.helped_panel,
            panels.you_said_we_did_panel,
            panels.my_actions_panel,
            panels.overdue_panel,
            panels.recommendations_panel,
        ]
        leaders = {Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER}
        self.navigation = [
            ("Playbook", "playbook:plays", leaders),
            ("Actions", "playbook:actions", leaders),
            ("You said, we did", "playbook:updates", None),
        ]
