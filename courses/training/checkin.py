"""Rotating check-in tokens: what the projector's QR code and numeric code carry.

A token is `<session id>.<slot>.<signature>`: the slot is the server's clock in 30-second steps,
and the signature an HMAC over both, keyed by the site's secret and by a key drawn each time the
session's check-in is opened (so reopening voids every earlier code). A token is shown for one
slot and accepted during that slot and the next: at most 60 seconds after it first appears, which
leaves a trainee who scanned just before the code changed time to finish. The numeric code is
six digits from the same HMAC, for phones without a working camera; it follows the same window.
See docs/decisions/0007-class-hours-and-attendance.md.
"""
import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _

from backend.errors import ApplicationError

SLOT_SECONDS = 30
VALID_SLOTS = 2  # the slot it was shown in, and the next one
CODE_DIGITS = 6


@dataclass(frozen=True)
class Token:
    session_id: int
    slot: int
    signature: str


def slot_at(now: datetime) -> int:
    return int(now.timestamp()) // SLOT_SECONDS


def seconds_left(now: datetime) -> int:
    """Seconds until the code on screen changes."""
    return SLOT_SECONDS - int(now.timestamp()) % SLOT_SECONDS


def _mac(session, purpose: str, slot: int) -> bytes:
    key = f"{settings.SECRET_KEY}:{session.checkin_key}".encode()
    return hmac.new(key, f"{purpose}:{session.pk}:{slot}".encode(), hashlib.sha256).digest()


def _signature(session, slot: int) -> str:
    return base64.urlsafe_b64encode(_mac(session, "qr", slot)[:12]).decode().rstrip("=")


def token_for(session, now: datetime) -> str:
    slot = slot_at(now)
    return f"{session.pk}.{slot}.{_signature(session, slot)}"


def code_for(session, slot: int) -> str:
    number = int.from_bytes(_mac(session, "code", slot)[:8], "big") % 10**CODE_DIGITS
    return f"{number:0{CODE_DIGITS}d}"


def parse(raw: str) -> Token:
    """Split a scanned token; anything that is not one of ours is refused here."""
    parts = (raw or "").strip().split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or not parts[2]:
        raise ApplicationError("token_invalid", _("This is not a check-in code of this system. Scan the QR code on the screen again."))
    return Token(int(parts[0]), int(parts[1]), parts[2])


def verify(session, token: Token, now: datetime) -> None:
    """Raise unless `token` was signed for this opening of `session`'s check-in and is still fresh."""
    if not hmac.compare_digest(_signature(session, token.slot), token.signature):
        raise ApplicationError("token_forged", _("This check-in code was not issued for this session: its signature does not match."))
    age = slot_at(now) - token.slot
    if age < -1:  # signed for a time well ahead of the server's clock: not something we showed
        raise ApplicationError("token_forged", _("This check-in code was not issued for this session: its signature does not match."))
    if age >= VALID_SLOTS:
        raise ApplicationError(
            "token_expired",
            _("This QR code has expired (codes change every %(seconds)d seconds). Scan the code on the screen now.")
            % {"seconds": SLOT_SECONDS},
        )


def code_matches(session, code: str, now: datetime) -> bool:
    current = slot_at(now)
    return any(hmac.compare_digest(code_for(session, slot), code) for slot in range(current - VALID_SLOTS + 1, current + 1))
