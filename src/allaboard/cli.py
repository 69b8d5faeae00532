"""The `allaboard` command: demo, serve, worker, import, createadmin.

Errors are one clear line on stderr and a non-zero exit.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import click

DEMO_PASSWORD = "aboard-demo"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allaboard.settings")
    import django

    django.setup()


def _fail(message: str, code: int = 1):
    click.echo(f"allaboard: {message}", err=True)
    sys.exit(code)


def _call(command: str, *args, **kwargs) -> None:
    from django.core.management import call_command

    call_command(command, *args, **kwargs)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="allaboard")
def main():
    """All Aboard: bring your people with you when customer service changes."""


@main.command()
@click.option(
    "--seed", default=7, show_default=True, help="Random seed: the same seed builds the same story."
)
@click.option(
    "--size",
    type=click.Choice(["small", "large"]),
    default="small",
    show_default=True,
    help="small: ~1,200 people; large: ~50,000 people for scale work.",
)
@click.option(
    "--today", default=None, help="Pretend today is this date (YYYY-MM-DD), for reproducible demos."
)
@click.option("--no-serve", is_flag=True, help="Build the demo and exit.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port", default=lambda: int(os.environ.get("PORT", 8000)), show_default="8000 or $PORT", type=int
)
def demo(seed, size, today, no_serve, host, port):
    """Build a demo organisation (replacing any previous demo data) and serve it."""
    from datetime import date

    try:
        day = date.fromisoformat(today) if today else None
    except ValueError:
        _fail(f"--today must be a date like 2026-11-23, not {today!r}")
    _setup_django()
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        path = Path(database["NAME"])
        path.parent.mkdir(parents=True, exist_ok=True)
        from django.db import connections

        connections.close_all()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    _call("migrate", verbosity=0, interactive=False)
    if not database["ENGINE"].endswith("sqlite3"):
        _call("flush", verbosity=0, interactive=False)
    from allaboard.demo import build

    click.echo(f"Building the {size} demo organisation (seed {seed})…")
    story = build(seed=seed, size=size, today=day, password=DEMO_PASSWORD)
    click.echo(story.describe())
    click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
    for login in story.logins:
        click.echo(f"  {login.username:<12} {login.role_label:<12} {login.description}")
    if not no_serve:
        _serve(host, port, with_worker=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port", default=lambda: int(os.environ.get("PORT", 8000)), show_default="8000 or $PORT", type=int
)
@click.option("--threads", default=8, show_default=True)
@click.option("--with-worker", is_flag=True, help="Also run a background worker in a child process.")
def serve(host, port, threads, with_worker):
    """Serve the web app (waitress) after applying migrations."""
    _setup_django()
    _call("migrate", verbosity=0, interactive=False)
    _serve(host, port, threads=threads, with_worker=with_worker)


def _serve(host: str, port: int, threads: int = 8, with_worker: bool = False) -> None:
    from django.conf import settings
    from waitress import serve as waitress_serve

    from allaboard.wsgi import application

    # Behind a TLS-terminating proxy (ALLABOARD_HTTPS=1) Django trusts X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER),
    # but waitress drops that header unless told to pass it on: every request looked like plain HTTP and was
    # redirected to HTTPS forever. Only this header is trusted, as Django already does.
    proxy = {"trusted_proxy": "*", "trusted_proxy_headers": {"x-forwarded-proto"}} if settings.HTTPS else {}

    worker = None
    if with_worker:
        worker = subprocess.Popen([sys.executable, "-m", "allaboard.cli", "worker"])  # noqa: S603
    click.echo(f"\nAll Aboard is running on http://{host}:{port}/  (Ctrl+C to stop)")
    try:
        waitress_serve(application, host=host, port=port, threads=threads, ident="allaboard", **proxy)
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=10)


@main.command()
@click.option("--queue", "queues", multiple=True, default=["default"], show_default=True)
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls when idle.")
@click.option("--batch", is_flag=True, help="Run the tasks waiting now, then exit.")
def worker(queues, interval, batch):
    """Run background tasks (sending, reminders, digests, imports, model training)."""
    _setup_django()
    from allaboard.recurring import plan_all

    plan_all()  # apps' repeating tasks (the voice daily upkeep...) wait in the queue for their time
    args = ["--queue-name", ",".join(queues), "--interval", str(interval)]
    if batch:
        args.append("--batch")
    _call("db_worker", *args)


@main.command(name="import")
@click.argument("kind", type=click.Choice(["people", "units"]))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report; change nothing.")
def import_(kind, file, dry_run):
    """Import people or units from a CSV or XLSX FILE. Any bad row: nothing changes, every problem is listed."""
    if not file.exists():
        _fail(f"no such file: {file}")
    _setup_django()
    _call("migrate", verbosity=0, interactive=False)
    from allaboard.org.imports import run_import

    with file.open("rb") as handle:
        report = run_import(kind, handle, file.name, dry_run=dry_run)
    for error in report.errors:
        click.echo(f"  {error}", err=True)
    if not report.ok:
        _fail(report.summary())
    click.echo(report.summary())


@main.command()
@click.option("--username", prompt=True)
@click.option("--email", default="")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def createadmin(username, email, password):
    """Create an admin login."""
    _setup_django()
    _call("migrate", verbosity=0, interactive=False)
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from allaboard.org.models import Role, User

    if User.objects.filter(username=username).exists():
        _fail(f"a user called {username!r} already exists")
    user = User(username=username, email=email, role=Role.ADMIN, is_staff=True)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        _fail("password rejected: " + " ".join(exc.messages))
    user.set_password(password)
    user.save()
    click.echo(f"Admin {username!r} created.")


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args):
    """Run a Django management command (for operators): allaboard manage migrate, check --deploy, ..."""
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["allaboard manage", *args])


def run() -> None:
    """Entry point that turns unexpected errors into one line (set ALLABOARD_DEBUG=1 for the traceback)."""
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # the last line of defence for a CLI
        if os.environ.get("ALLABOARD_DEBUG"):
            raise
        _fail(f"{type(exc).__name__}: {exc}")


if __name__ == "__main__":
    run()
