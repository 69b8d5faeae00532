from django.apps import AppConfig


class AdoptionConfig(AppConfig):
    name = "allaboard.adoption"
    label = "adoption"
    verbose_name = "Adoption of new tools"
    home_panels: list = []
    navigation: list = []

    def ready(self):
        from allaboard.org.models import Role

        from . import panels

        leaders = {Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER}
        self.home_panels = [panels.adoption_panel]
        self.navigation = [
            ("Adoption", "adoption:overview", leaders),
            ("My tool use", "adoption:mine", {Role.EMPLOYEE}),
        ]
