"""Re-tune the shipped label thresholds after the training corpus changes: `allaboard manage textinsight_tune`."""

from django.core.management.base import BaseCommand

from allaboard.textinsight import engine


class Command(BaseCommand):
    help = (
        "Tune per-label thresholds on the training corpus (cross-validation) and write tuned_thresholds.json."
    )

    def handle(self, *args, **options):
        data = engine.write_tuned_thresholds()
        for key, entry in sorted(data.items()):
            self.stdout.write(f"{key}: corpus {entry['corpus']}, fallback {entry['fallback']}")
