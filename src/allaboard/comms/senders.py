"""The channels' wire formats and transports: email over SMTP, Slack and Microsoft Teams incoming webhooks.

Each sender either returns (sent) or raises SendError, which says whether trying again could help.
"""

import contextlib
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

SLACK_HEADER_LIMIT = 150  # Block Kit: header text, plain_text
SLACK_SECTION_LIMIT = 3000  # Block Kit: section text
TEAMS_TEXT_LIMIT = 20_000  # Teams rejects posts over ~28 KB; leave room for the card around the text


@dataclass(frozen=True)
class Rendered:
    """What a delivery says, made at send time."""

    subject: str
    text: str
    html: str = ""
    link: str = ""


class SendError(Exception):
    """Sending failed. `permanent` means retrying will not help (a revoked webhook, a refused address)."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: int | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


# --- email ------------------------------------------------------------------------------------------


class EmailSession:
    """One connection to the email server for a batch of deliveries, opened at the first email and opened
    again after an error (the server may have dropped it)."""

    def __init__(self):
        self._connection = None

    def connection(self):
        if self._connection is None:
            connection = get_connection(fail_silently=False)
            connection.open()
            self._connection = connection
        return self._connection

    def reset(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # a broken connection is being dropped anyway
                self._connection.close()
            self._connection = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.reset()


def send_email(address: str, content: Rendered, session: EmailSession | None = None) -> None:
    """Send through the configured email backend (SMTP in production: EMAIL_URL), on the session's
    connection when one is given."""
    import smtplib

    body = content.text
    if content.link and content.link not in body:
        body = f"{body}\n\n{content.link}"
    email = EmailMultiAlternatives(
        subject=content.subject.replace("\n", " ")[:250],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"Auto-Submitted": "auto-generated"},
    )
    if content.html:
        email.attach_alternative(content.html, "text/html")
    try:
        if session is not None:
            email.connection = session.connection()
        email.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        if session is not None:
            session.reset()
        raise _email_error(exc) from exc


def _email_error(exc: Exception) -> SendError:
    import smtplib

    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return SendError(f"address refused: {exc.recipients}", permanent=all(c >= 500 for c in codes))
    if isinstance(exc, smtplib.SMTPResponseException):
        return SendError(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}", permanent=exc.smtp_code >= 500)
    return SendError(f"email server unreachable: {exc}")


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


# --- chat webhooks ----------------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Slack reads &, < and > as markup (<!channel> would ping everyone)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clip_escaped(text: str, limit: int, escape) -> str:
    """Escape, then clip to `limit` characters without cutting an escape (&amp; or \\*) in half."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    low, high = 0, len(text)
    while low < high:  # the longest prefix whose escaped form fits, leaving room for the ellipsis
        middle = (low + high + 1) // 2
        if len(escape(text[:middle])) <= limit - 1:
            low = middle
        else:
            high = middle - 1
    return escape(text[:low]) + "…"


TEAMS_MARKDOWN = re.compile(r"([\\`*_\[\]~])")
TEAMS_LINE_START = re.compile(r"(?m)^(\s*)([-+#>])")
TEAMS_NUMBERED = re.compile(r"(?m)^(\s*\d+)\.")


def teams_escape(text: str) -> str:
    """Adaptive Card TextBlocks read a Markdown subset (**bold**, _italic_, [links](url), lists) and
    {{DATE()}}/{{TIME()}} functions. A message should show as written, so the characters that start those
    are backslash-escaped (CommonMark escapes, which Teams renders as the plain character)."""
    text = TEAMS_MARKDOWN.sub(r"\\\1", text)
    text = TEAMS_LINE_START.sub(r"\1\\\2", text)
    text = TEAMS_NUMBERED.sub(r"\1\\.", text)
    return text.replace("{{", "{\\{")


def slack_payload(content: Rendered) -> dict:
    """An incoming-webhook message: `text` is the notification fallback, `blocks` the Block Kit layout."""
    blocks: list[dict] = []
    if content.subject:
        header = _clip(content.subject.replace("\n", " "), SLACK_HEADER_LIMIT)
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": header}})
    if content.text:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": _clip_escaped(content.text, SLACK_SECTION_LIMIT, slack_escape),
                },
            }
        )
    if content.link:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"<{slack_escape(content.link)}|Read it in All Aboard>"},
            }
        )
    # The top-level `text` (the notification and the fallback) is read as mrkdwn too: escape it as well.
    fallback = content.subject or content.text
    return {"text": _clip_escaped(fallback, SLACK_SECTION_LIMIT, slack_escape), "blocks": blocks}


def teams_payload(content: Rendered) -> dict:
    """A Teams Workflows ("When a Teams webhook request is received") message with one Adaptive Card."""
    body: list[dict] = []
    if content.subject:
        body.append(
            {
                "type": "TextBlock",
                "text": teams_escape(content.subject),
                "weight": "Bolder",
                "size": "Medium",
                "wrap": True,
            }
        )
    if content.text:
        body.append(
            {
                "type": "TextBlock",
                "text": _clip_escaped(content.text, TEAMS_TEXT_LIMIT, teams_escape),
                "wrap": True,
            }
        )
    card: dict = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if content.link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Read it in All Aboard", "url": content.link}]
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook that answers with a redirect is misconfigured; never re-send the post elsewhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post_webhook(url: str, payload: dict) -> None:
    """POST JSON to an incoming webhook. 2xx is success (Slack answers 200 "ok", Teams Workflows 202)."""
    if not url.lower().startswith(("https://", "http://")):
        raise SendError("webhook URL must start with https:// or http://", permanent=True)
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "AllAboard"},
        method="POST",
    )
    timeout = getattr(settings, "ALLABOARD_COMMS_WEBHOOK_TIMEOUT", 10)
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read(1024)
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace").strip()
        retry_after = exc.headers.get("Retry-After", "") if exc.headers else ""
        raise SendError(
            f"HTTP {exc.code} from webhook: {detail or exc.reason}",
            permanent=300 <= exc.code < 500 and exc.code not in (408, 429),
            retry_after=int(retry_after) if retry_after.isdigit() else None,
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SendError(f"webhook unreachable: {reason}") from exc
