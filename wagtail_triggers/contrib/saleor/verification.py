"""Webhook signatures, checked on the raw body before anything is parsed or stored.

Saleor signs a webhook in one of two ways (``saleor/webhook/transport/__init__.py``):

* **JWS, detached payload** (every webhook without a secret key — the normal case): the
  ``Saleor-Signature`` header is ``<b64url(header)>..<b64url(signature)>`` with the header
  ``{"alg": "RS256", "b64": false, "crit": ["b64"], "kid": ...}``; RS256 over
  ``b64url(header) + "." + raw_body``. The public key comes from the install's cached JWKS.
* **HMAC-SHA256** (legacy: webhooks created by hand with a ``secretKey``): lower-case hex
  digest of the raw body with the secret.

Only the exact bytes Saleor sent verify: re-serialised JSON does not.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

try:
    import jwt
    from jwt import api_jws
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImproperlyConfigured(
        "wagtail_triggers.contrib.saleor verifies webhook signatures with PyJWT: pip install 'wagtail-triggers[saleor]'"
    ) from exc

from . import conf, remote
from .models import SaleorInstall

logger = logging.getLogger(__name__)


class VerificationFailed(Exception):
    """The request is not provably from the installed Saleor (answered with 401, final)."""


class KeyNotYetKnown(VerificationFailed):
    """Signed with a key id we cannot check yet: Saleor may have just rotated its key, and the
    JWKS may not be refetched before ``retry_after`` seconds (or the refetch failed). Answered
    with 503, which Saleor retries — a 401 would lose the delivery for good."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def verify(install: SaleorInstall, signature: str, body: bytes) -> None:
    """Raise :class:`VerificationFailed` unless ``signature`` signs ``body`` for ``install``."""
    signature = (signature or "").strip()
    if not signature:
        raise VerificationFailed("missing Saleor-Signature header")
    if signature.count(".") == 2:
        verify_jws(install, signature, body)
    elif install.webhook_secret:
        verify_hmac(install.webhook_secret, signature, body)
    else:
        raise VerificationFailed("the signature is not a JWS and this install has no webhook secret")


def verify_hmac(secret: str, signature: str, body: bytes) -> None:
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.lower()):
        raise VerificationFailed("HMAC signature does not match the body")


def verify_jws(install: SaleorInstall, signature: str, body: bytes) -> None:
    try:
        header = jwt.get_unverified_header(signature)
    except jwt.PyJWTError as exc:
        raise VerificationFailed(f"malformed JWS signature: {exc}") from None
    if header.get("alg") != "RS256":
        raise VerificationFailed(f"unexpected signature algorithm {header.get('alg')!r}; Saleor signs with RS256")
    if header.get("b64") is not False or signature.split(".")[1]:
        raise VerificationFailed("the signature must be a JWS with a detached payload (b64: false)")
    kid = header.get("kid")
    if kid is not None and (not isinstance(kid, str) or len(kid) > 200):
        raise VerificationFailed("malformed key id in the JWS header")
    key = find_key(install.jwks, kid)
    if key is None:
        if not refetch_jwks(install):
            raise KeyNotYetKnown(f"signing key {kid!r} is not known yet; retry later", _retry_after(install))
        key = find_key(install.jwks, kid)
    if key is None:  # Saleor's current JWKS does not have it either: not Saleor's key
        raise VerificationFailed(f"unknown signing key {kid!r}")
    try:
        api_jws.decode_complete(signature, key=key, algorithms=["RS256"], detached_payload=body)
    except jwt.InvalidSignatureError:
        raise VerificationFailed("JWS signature does not match the body") from None
    except jwt.PyJWTError as exc:
        raise VerificationFailed(f"invalid JWS signature: {exc}") from None


def find_key(jwks: Any, kid: str | None) -> Any:
    """The RSA public key with id ``kid`` in a JWKS (or its only key when there is no kid)."""
    keys = [
        k
        for k in (jwks or {}).get("keys", [])
        if isinstance(k, dict) and k.get("use", "sig") == "sig" and k.get("alg", "RS256") == "RS256"
    ]
    if kid is not None:
        keys = [k for k in keys if k.get("kid") == kid]
    if len(keys) != 1:
        return None
    try:
        return jwt.PyJWK.from_dict(keys[0], algorithm="RS256").key
    except jwt.PyJWTError:
        logger.warning("Unusable key %r in the JWKS", kid)
        return None


def _retry_after(install: SaleorInstall) -> int:
    """Seconds until the next JWKS refetch is allowed for ``install`` (at least 1)."""
    if install.jwks_fetched_at is None:
        return 1
    left = install.jwks_fetched_at + conf.refetch_interval() - timezone.now()
    return max(1, math.ceil(left.total_seconds()))


def refetch_jwks(install: SaleorInstall) -> bool:
    """Refetch the install's JWKS after an unknown key id; True when new keys were stored.

    Rate-limited per install: a claim on ``jwks_fetched_at`` (compare-and-set) lets one request
    per interval through, so a flood of forged key ids costs Saleor at most one fetch a minute.
    """
    now = timezone.now()
    last = install.jwks_fetched_at
    if last and now - last < conf.refetch_interval():
        return False
    claimed = SaleorInstall.objects.filter(pk=install.pk, jwks_fetched_at=last).update(jwks_fetched_at=now)
    if not claimed:
        return False  # another request is refetching right now
    install.jwks_fetched_at = now
    try:
        jwks = remote.fetch_jwks(install.api_url)
    except remote.RemoteError as exc:
        logger.warning("Could not refetch the JWKS of %s: %s", install.api_url, exc)
        return False
    install.jwks = jwks
    SaleorInstall.objects.filter(pk=install.pk).update(jwks=jwks)
    return True
