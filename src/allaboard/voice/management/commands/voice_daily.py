"""Daily upkeep of the idea box: overdue flags, news on what became of ideas, compliments, milestones."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from allaboard.voice import services


class Command(BaseCommand):
    help = "Flag overdue ideas, tell followers what became of accepted ideas, import compliments, celebrate milestones."

    def handle(self, *args, **options):
        today = services.today()
        flagged = services.flag_overdue(today)
        told = services.follow_outcomes(today)
        kudos = services.import_compliments(today - timedelta(days=14))
        celebrated = services.celebrate_milestones(today)
        self.stdout.write(
            f"{flagged} overdue ideas flagged, {told} ideas with news, {kudos} compliments turned into kudos, "
            f"{celebrated} milestones celebrated"
        )
