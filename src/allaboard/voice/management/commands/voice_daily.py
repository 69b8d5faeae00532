"""Daily upkeep of the idea box: answers due, overdue flags, news on ideas, closed consultations,
compliments, milestones. The worker also runs it every day at ALLABOARD_VOICE_DAILY_HOUR (voice/tasks.py)."""

from django.core.management.base import BaseCommand

from allaboard.voice import services


class Command(BaseCommand):
    help = (
        "Remind change leads of answers due, flag overdue ideas, tell followers what became of ideas, tell "
        "leads their consultation closed, turn compliments into kudos, celebrate milestones."
    )

    def handle(self, *args, **options):
        done = services.run_daily(services.today())
        self.stdout.write(
            f"{done['due_soon']} ideas due an answer soon, {done['overdue']} overdue ideas flagged, "
            f"{done['ideas_with_news']} ideas with news, {done['consultations_closed']} consultations closed, "
            f"{done['compliments']} compliments turned into kudos, {done['milestones']} milestones celebrated"
        )
