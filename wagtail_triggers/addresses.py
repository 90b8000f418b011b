"""Email addresses as the app stores and matches them: normalised, and kept as a keyed hash
once a person is forgotten. A leaf: the models, intake and privacy all build on it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from .payloads import InvalidEvent, text_problem

MAX_EMAIL = 254  # the EmailField columns of Event and Contact
HASH_SALT = "wagtail_triggers.privacy.erased-address"
# Not a valid address (no top-level domain), so no event or import can ever match it.
PLACEHOLDER_EMAIL = "erased@invalid"


def normalize_email(email: Any) -> str:
    """The address as stored and matched: trimmed and lower-cased; InvalidEvent if malformed."""
    if not isinstance(email, str) or not email.strip():
        raise InvalidEvent([_("email is required")])
    email = email.strip()
    if len(email) > MAX_EMAIL or text_problem(email):
        raise InvalidEvent([_("email is not a valid email address")])
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidEvent([_("%(email)r is not a valid email address") % {"email": email}]) from None
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}".lower()


def address_digests(email: str) -> list[str]:
    """HMAC-SHA256 of the normalised address under ``SECRET_KEY`` and each fallback key.

    The first is what forgetting stores; the others keep matching after a key rotation.
    """
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    value = email.strip().lower()
    return [salted_hmac(HASH_SALT, value, secret=secret, algorithm="sha256").hexdigest() for secret in secrets]
