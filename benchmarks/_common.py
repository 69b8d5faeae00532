"""Helpers every benchmark script shares: the markdown table it prints and the PostgreSQL database it uses."""

import sys


def table(title: str, header: list[str], rows: list[list]) -> None:
    def fmt(v):
        if isinstance(v, float):
            return f"{v:,.1f}" if v >= 10 else f"{v:,.2f}"
        return f"{v:,}" if isinstance(v, int) else str(v)

    cells = [header] + [[fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n{title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print(
            "| "
            + " | ".join(
                v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths, strict=True))
            )
            + " |"
        )
    sys.stdout.flush()


def ensure_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def run_each_database(script: str, postgres_url: str, child_args: list[str]) -> dict:
    """Run `script --child` once on SQLite and, when a URL is given, once on PostgreSQL, each in its own process
    (Django is set up once per process); return {"SQLite": result, "PostgreSQL": result} from the child's
    `RESULT {json}` line. A failed child stops the benchmark with its error output."""
    import json
    import subprocess

    runs = [("SQLite", None)]
    if postgres_url:
        ensure_database(postgres_url)
        runs.append(("PostgreSQL", postgres_url))
    results = {}
    for label, url in runs:
        command = [sys.executable, script, "--child", *child_args] + (["--database", url] if url else [])
        print(f"running {label}...", file=sys.stderr, flush=True)
        done = subprocess.run(command, capture_output=True, text=True)  # noqa: S603
        if done.returncode != 0 or "RESULT " not in done.stdout:
            sys.exit(f"{label} run failed:\n{done.stderr[-4000:]}")
        results[label] = json.loads(done.stdout.split("RESULT ", 1)[1])
    return results
