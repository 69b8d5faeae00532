"""Admin jobs for customer feedback: import a large file, rebuild the statistics, catch up on comments.

manage.py customers import FILE [--source NAME] [--map field=column ...] [--check]
manage.py customers rebuild-stats
manage.py customers submit-comments
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from allaboard.customers import imports, services
from allaboard.customers.models import FeedbackSource
from allaboard.tabular import FileProblem, read_table


class Command(BaseCommand):
    help = "Import customer feedback files, rebuild the statistics, or submit pending comments."

    def add_arguments(self, parser):
        parser.add_argument("job", choices=["import", "rebuild-stats", "submit-comments"])
        parser.add_argument("file", nargs="?", help="CSV or XLSX file (import)")
        parser.add_argument("--source", default="", help="Source name: use and save its column mapping")
        parser.add_argument("--map", action="append", default=[], help="field=column, e.g. csat=q1")
        parser.add_argument("--check", action="store_true", help="Check only; store nothing")
        parser.add_argument("--max-rows", type=int, default=5_000_000)

    def handle(self, *args, **options):
        job = options["job"]
        if job == "rebuild-stats":
            self.stdout.write(f"{imports.rebuild_stats():,} statistics rows rebuilt.")
        elif job == "submit-comments":
            self.stdout.write(f"{services.submit_pending_comments():,} comments handed to comment insight.")
        else:
            self._import(options)

    def _import(self, options):
        path = options["file"]
        if not path:
            raise CommandError("Give the file to import.")
        data = Path(path).read_bytes()
        try:
            table = read_table(data, path, max_bytes=len(data) + 1, max_rows=options["max_rows"])
        except FileProblem as exc:
            raise CommandError(str(exc)) from None
        source = None
        if options["source"]:
            source = FeedbackSource.objects.get_or_create(name=options["source"][:100])[0]
        mapping = imports.guess_mapping(table.header, source.mapping if source else None)
        for item in options["map"]:
            field, _, column = item.partition("=")
            if not column:
                raise CommandError(f"--map {item!r}: use field=column")
            mapping[field.strip()] = column.strip().lower()
        report = imports.import_table(
            table, mapping, source=source, filename=Path(path).name, dry_run=options["check"]
        )
        for problem in report.listed_problems:
            self.stderr.write(str(problem))
        if not report.ok:
            raise CommandError(f"{report.summary()} Bad lines: {report.bad_line_ranges or 'none'}")
        if source is not None and not options["check"] and source.mapping != mapping:
            source.mapping = mapping
            source.save()
        self.stdout.write(report.summary())
