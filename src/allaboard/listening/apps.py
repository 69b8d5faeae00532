from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "allaboard.listening"
    label = "listening"
    verbose_name = "Listening"
    home_panels: list = []
    navigation: list = []

    def ready(self):
        from allaboard.org.models import Role

        from . import panels

        self.home_panels = [panels.surveys_panel, panels.my_surveys_panel]
        self.navigation = [
            (
                "Listening",
                "listening:surveys",
                {Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER},
            ),
        ]
