"""Real local servers for tests, shared by every app (conftest.py loads this module as a pytest plugin).

- `smtp_server`: an aiosmtpd SMTP server on 127.0.0.1, with Django's SMTP email backend pointed at it.
  `smtp_server.messages` are the received emails (email.message.EmailMessage), `smtp_server.refuse(addr)`
  makes it answer 550 for that recipient, `smtp_server.fail_next(n)` answers 451 to the next n emails, `smtp_server.connections` counts sessions.
- `webhook_server`: an HTTP server on 127.0.0.1 that records every POST, like a Slack or Teams incoming
  webhook. `webhook_server.url("/slack/leeds")` is an address to use, `webhook_server.posts` the requests
  received (path, headers, json), `webhook_server.respond("/slack/leeds", 500, "boom")` changes the answer.
"""

import email
import email.policy
import json
import logging
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _SmtpHandler:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list = []
        self.refused: set[str] = set()
        self.temporary_failures = 0
        self.connections = 0
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.temporary_failures > 0:
                self.temporary_failures -= 1
                return "451 4.3.0 Try again later"
            self.envelopes.append(envelope)
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: _SmtpHandler

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return self.handler.messages

    def recipients(self) -> list[str]:
        return [rcpt for env in self.handler.envelopes for rcpt in env.rcpt_tos]

    @property
    def connections(self) -> int:
        """How many SMTP sessions (EHLO greetings) the server has seen."""
        return self.handler.connections

    def refuse(self, address: str) -> None:
        self.handler.refused.add(address.lower())

    def fail_next(self, count: int = 1) -> None:
        self.handler.temporary_failures = count


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server for the test, and Django's SMTP backend sending to it."""
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    handler = _SmtpHandler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    try:
        yield SmtpServer(host="127.0.0.1", port=port, handler=handler)
    finally:
        controller.stop()


@dataclass
class Post:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class WebhookServer:
    base_url: str
    posts: list[Post] = field(default_factory=list)
    responses: dict[str, tuple[int, str]] = field(default_factory=dict)

    def url(self, path: str = "/hook") -> str:
        return f"{self.base_url}{path}"

    def respond(self, path: str, status: int, body: str = "") -> None:
        self.responses[path] = (status, body)

    def posts_to(self, path: str) -> list[Post]:
        return [p for p in self.posts if p.path == path]


def _handler_for(server: WebhookServer):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            server.posts.append(Post(path=self.path, headers=dict(self.headers.items()), body=body))
            status, text = server.responses.get(self.path, (200, "ok"))
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):  # keep test output quiet
            return

    return Handler


@pytest.fixture
def webhook_server():
    """A real HTTP server recording posts, standing in for Slack and Teams incoming webhooks."""
    recorder = WebhookServer(base_url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(recorder))
    recorder.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def closed_port_url():
    """An http:// address where nothing listens: posting to it fails with "connection refused"."""
    return f"http://127.0.0.1:{_free_port()}/nothing-here"
