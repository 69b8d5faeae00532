"""`manage.py playbook_daily`: remind action owners, ask teams whether month-old actions helped, and (with
--refresh) refresh the recommendations of running programmes. Run it once a day from cron or a systemd timer;
the messages it queues are sent by the worker."""

from django.core.management.base import BaseCommand

from allaboard.playbook import services
from allaboard.programmes.models import Programme


class Command(BaseCommand):
    help = "Remind action owners, open 'did it help?' questions, and optionally refresh recommendations."

    def add_arguments(self, parser):
        parser.add_argument(
            "--refresh", action="store_true", help="Also refresh the recommendations of running programmes."
        )

    def handle(self, *args, refresh=False, **options):
        reminders = services.remind_owners()
        opened = services.open_helped_checks()
        self.stdout.write(f"{reminders} reminders queued; {opened} actions opened for 'did it help?'")
        if refresh:
            for programme in Programme.objects.filter(status="running"):
                result = services.refresh_recommendations(programme)
                self.stdout.write(
                    f"{programme}: {result.new} new, {result.still} standing, {result.retired} retired"
                )
