"""Production settings pass Django's deployment checklist (`manage.py check --deploy`) with no warnings, and
`allaboard serve` works behind a TLS-terminating proxy.

Runs in subprocesses with the variables docs/operations.md tells operators to set, so it checks the real
settings module, not the test settings.
"""

import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str, headers: dict) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def _wait_until_listening(port: int, server: subprocess.Popen, seconds: int = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, server.communicate()[0]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"allaboard serve did not listen on port {port} within {seconds} s")


def test_serve_behind_a_tls_proxy_answers_instead_of_redirecting_forever(production_env):
    port = _free_port()
    env = production_env | {"ALLABOARD_ALLOWED_HOSTS": "127.0.0.1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "allaboard.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_until_listening(port, server)
        through_proxy = _get(port, "/healthz", {"X-Forwarded-Proto": "https"})
        plain_http = _get(port, "/healthz", {})
    finally:
        server.terminate()
        server.communicate(timeout=30)

    assert through_proxy.status == 200
    assert "max-age=31536000" in through_proxy.getheader("Strict-Transport-Security", "")
    assert plain_http.status == 301
    assert plain_http.getheader("Location") == f"https://127.0.0.1:{port}/healthz"
