from django.apps import AppConfig


class CapabilityConfig(AppConfig):
    name = "allaboard.capability"
    label = "capability"
    verbose_name = "Capability: train, coach, empower, lead"
    home_panels: list = []
    navigation: list = []

    def ready(self):
        from allaboard.org.models import Role

        from . import panels

        leaders = {Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER}
        self.home_panels = [panels.training_panel, panels.coaching_panel, panels.my_actions_panel]
        self.navigation = [
            ("Capability", "capability:dashboard", leaders),
            ("Coaching", "capability:coaching", {Role.TEAM_LEADER}),
            ("My training", "capability:mine", {Role.EMPLOYEE, Role.TEAM_LEADER}),
        ]
