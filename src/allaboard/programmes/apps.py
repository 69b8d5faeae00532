from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "allaboard.programmes"
    label = "programmes"
    verbose_name = "Change programmes"
    home_panels: list = []

    def ready(self):
        from . import panels

        self.home_panels = [panels.programmes_panel, panels.what_changes_panel]
