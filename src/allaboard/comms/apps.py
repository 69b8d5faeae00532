from django.apps import AppConfig


class CommsConfig(AppConfig):
    name = "allaboard.comms"
    label = "comms"
    verbose_name = "Communications"
    home_panels: list = []
    navigation: list = []

    def ready(self):
        from allaboard.org.models import Role

        from . import panels

        self.home_panels = [panels.comms_panel, panels.news_panel]
        self.navigation = [
            ("News", "comms:feed", None),
            ("Comms", "comms:index", {Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER}),
        ]
