"""Production settings pass Django's deployment checklist (`manage.py check --deploy`) with no warnings.

Runs in a subprocess with the variables docs/operations.md tells operators to set, so it checks the real
settings module, not the test settings.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

MANAGE = Path(__file__).resolve().parents[4] / "manage.py"


@pytest.fixture
def production_env(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ALLABOARD_", "DJANGO_")) and k not in ("DATABASE_URL", "EMAIL_URL")
    }
    return env | {
        "DJANGO_SETTINGS_MODULE": "allaboard.settings",
        "ALLABOARD_DATA_DIR": str(tmp_path),
        "ALLABOARD_HTTPS": "1",
        "ALLABOARD_SECRET_KEY": secrets.token_urlsafe(64),
        "ALLABOARD_ALLOWED_HOSTS": "example.org",
    }


def check_deploy(env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(MANAGE), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_production_settings_pass_the_deployment_checklist(production_env):
    result = check_deploy(production_env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_checklist_warns_when_https_is_off(production_env):
    """The check above can fail: without ALLABOARD_HTTPS the cookies are not secure and HSTS is off."""
    result = check_deploy(production_env | {"ALLABOARD_HTTPS": "0"})

    assert result.returncode != 0
    for warning in ["security.W004", "security.W008", "security.W012", "security.W016"]:
        assert warning in result.stderr + result.stdout
