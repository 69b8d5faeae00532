"""`allaboard manage listening_advance`: open, remind, close and publish waves that are due (for cron)."""

from datetime import date

from django.core.management.base import BaseCommand

from allaboard.listening import services


class Command(BaseCommand):
    help = "Open, remind, close and publish survey waves that are due today."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Pretend today is this date (YYYY-MM-DD).")

    def handle(self, *args, today=None, **options):
        day = date.fromisoformat(today) if today else None
        done = services.advance(day)
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in done.items()))
