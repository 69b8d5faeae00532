"""The `allaboard` command as a user runs it: in a subprocess, on its own SQLite database."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "allaboard.cli"]


@pytest.fixture
def env(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    environment |= {"ALLABOARD_DATA_DIR": str(tmp_path), "EMAIL_URL": "locmem://"}
    return environment


def run(env, *args, input_text=None):
    return subprocess.run(
        [*CLI, *args], env=env, capture_output=True, text=True, timeout=600, input=input_text
    )


def test_demo_builds_the_organisation_and_prints_logins(env, tmp_path):
    result = run(env, "demo", "--no-serve", "--seed", "3", "--today", "2026-11-23")
    assert result.returncode == 0, result.stderr
    for username in ["admin", "changelead", "teamleader", "sponsor", "agent", "partner"]:
        assert username in result.stdout
    db = sqlite3.connect(tmp_path / "allaboard.sqlite3")
    people = db.execute("select count(*) from org_person").fetchone()[0]
    assert 1100 <= people <= 1400
    assert db.execute("select count(*) from org_unit where kind='team'").fetchone()[0] == 60
    assert db.execute("select count(*) from org_unit where kind='partner'").fetchone()[0] == 1
    db.close()


def test_import_of_a_bad_file_exits_non_zero_naming_the_row(env, tmp_path):
    assert (
        run(
            env, "import", "units", str(_write(tmp_path, "u.csv", "code,name,kind\nT1,Team,team\n"))
        ).returncode
        == 0
    )
    bad = _write(
        tmp_path, "p.csv", "employee_id,given_name,family_name,team\nN1,Ann,Lee,T1\nN2,Bo,Kim,NOPE\n"
    )
    result = run(env, "import", "people", str(bad))
    assert result.returncode == 1
    assert "line 3: team: unknown unit code 'NOPE'" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("allaboard: Nothing was imported")
    good = _write(tmp_path, "p2.csv", "employee_id,given_name,family_name,team\nN1,Ann,Lee,T1\n")
    assert "1 created" in run(env, "import", "people", str(good)).stdout
    assert "1 unchanged" in run(env, "import", "people", str(good)).stdout


def test_a_missing_file_is_one_clear_line(env, tmp_path):
    result = run(env, "import", "people", str(tmp_path / "nope.csv"))
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1 and "nope.csv" in result.stderr


def test_a_bad_option_is_one_clear_error(env):
    result = run(env, "demo", "--size", "huge")
    assert result.returncode == 2 and "huge" in result.stderr


def test_createadmin_refuses_a_weak_password_and_accepts_a_strong_one(env):
    weak = run(env, "createadmin", "--username", "root", "--password", "123")
    assert weak.returncode == 1 and "password rejected" in weak.stderr
    strong = run(env, "createadmin", "--username", "root", "--password", "correct-horse-battery-staple")
    assert strong.returncode == 0, strong.stderr
    again = run(env, "createadmin", "--username", "root", "--password", "correct-horse-battery-staple")
    assert again.returncode == 1 and "already exists" in again.stderr


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path
