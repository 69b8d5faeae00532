from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "allaboard.org"
    label = "org"
    verbose_name = "Organisation"
    home_panels: list = []

    def ready(self):
        from . import panels

        self.home_panels = [panels.admin_panel, panels.my_teams_panel, panels.my_profile_panel]
