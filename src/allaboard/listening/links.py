"""One-time links and team links: tokens, their hashes, and the cookie a team link leaves in a browser.

A personal link's token is made when the invitation is sent (by `render_invitation`, called by the
comms worker at send time) and only its hashes are kept:

    Invitation.token_hash  = sha256("invite:" + token)   find the invitation from the link
    Draft.key_hash         = sha256("draft:"  + token)   partial answers, deleted on submit
    Response.reply_key_hash = sha256("reply:" + token)   the writer's own response, to read replies

Without the token nobody can join the three. A new send (a reminder, a retry, a re-send) makes a new
token, which replaces the old one: the old link stops working.

A team link is shared (printed as a QR code). Its token is derived from the server's secret key and a
random salt, so the QR page can be drawn again without storing the token. Each browser that opens it
gets its own random token in a signed cookie, used like a personal token for drafts and replies.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import token_hash

TEAM_COOKIE_SALT = "allaboard.listening.team-link"
TEAM_COOKIE_MAX_AGE = 60 * 60 * 24 * 120


def new_token() -> str:
    return secrets.token_urlsafe(32)


def invite_hash(token: str) -> str:
    return token_hash("invite", token)


def draft_hash(token: str) -> str:
    return token_hash("draft", token)


def reply_hash(token: str) -> str:
    return token_hash("reply", token)


def team_token(salt: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"team-link:{salt}".encode(), hashlib.sha256).digest()
    return signing.b64_encode(digest).decode()


def team_hash(token: str) -> str:
    return token_hash("team", token)


def absolute(path: str) -> str:
    return f"{settings.BASE_URL}{path}"


def answer_url(token: str) -> str:
    return absolute(reverse("listening:answer", args=[token]))


def team_url(token: str) -> str:
    return absolute(reverse("listening:team_answer", args=[token]))


def team_cookie_name(link_id: int) -> str:
    return f"aa_team_{link_id}"


def read_browser_token(request, link_id: int) -> str | None:
    """The browser's own token for a team link, if it has one and the signature is good."""
    raw = request.COOKIES.get(team_cookie_name(link_id))
    if not raw:
        return None
    try:
        return signing.loads(raw, salt=TEAM_COOKIE_SALT, max_age=TEAM_COOKIE_MAX_AGE)
    except signing.BadSignature:
        return None


def set_browser_token(response, link_id: int, token: str) -> None:
    response.set_cookie(
        team_cookie_name(link_id),
        signing.dumps(token, salt=TEAM_COOKIE_SALT),
        max_age=TEAM_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=getattr(settings, "SESSION_COOKIE_SECURE", False),
    )
