"""Daily: check every rollout team against the stall rule, raise and clear alerts."""

from datetime import date

from django.core.management.base import BaseCommand

from allaboard.adoption import services


class Command(BaseCommand):
    help = "Check each rollout team for stalled adoption; alert the change leads and team leaders."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, help="Check as of this day (default today).")

    def handle(self, *args, **options):
        result = services.run_stall_checks(options.get("date"))
        self.stdout.write(f"{result['raised']} stall alert(s) raised, {result['cleared']} cleared.")
