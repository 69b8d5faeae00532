"""`manage.py comms_sweep`: send what is due, mark scheduled messages sent, flag overdue questions.

The worker sends deliveries at their time by itself; run this every few minutes from cron (or a systemd
timer) as a safety net, and so that unanswered questions are flagged to change leads."""

from django.core.management.base import BaseCommand

from allaboard.comms import services


class Command(BaseCommand):
    help = "Send due deliveries, mark scheduled messages sent, flag overdue questions."

    def handle(self, *args, **options):
        result = services.sweep()
        self.stdout.write(
            f"{result['deliveries']} deliveries attempted, {result['messages']} scheduled messages marked sent, "
            f"{result['questions_flagged']} questions flagged"
        )
