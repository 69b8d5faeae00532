"""`manage.py playbook_daily`: queue the playbook's daily job (reminders, "did it help?"). Run it from cron."""

from django.core.management.base import BaseCommand

from allaboard.playbook.tasks import daily, refresh_recommendations


class Command(BaseCommand):
    help = (
        "Queue reminders to action owners and 'did it help?' questions; with --refresh, recommendations too."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--refresh", action="store_true", help="Also refresh running programmes' recommendations."
        )

    def handle(self, *args, refresh=False, **options):
        result = daily.enqueue()
        self.stdout.write(f"queued the daily playbook job ({result.id})")
        if refresh:
            result = refresh_recommendations.enqueue()
            self.stdout.write(f"queued a refresh of recommendations ({result.id})")
