from django.apps import AppConfig


class VoiceConfig(AppConfig):
    name = "allaboard.voice"
    label = "voice"
    verbose_name = "Voice: ideas, consultation, experiments, recognition, wins and champions"
    home_panels: list = []
    navigation: list = []

    def ready(self):
        from allaboard.org.models import Role

        from . import panels

        self.home_panels = [panels.ideas_panel, panels.overdue_panel]
        leaders = {Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR, Role.TEAM_LEADER}
        self.navigation = [
            ("Ideas", "voice:ideas", None),
            ("Kudos", "voice:kudos", None),
            ("Wins", "voice:wins", None),
            ("Champions", "voice:champions", leaders),
        ]

    def plan_recurring(self):
        """Queue the daily upkeep for its next run (called when a worker starts: allaboard.recurring)."""
        from .tasks import plan

        plan()
