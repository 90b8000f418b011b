"""The two calls the app makes to Saleor: its public keys and, at install, its own app id.

Plain ``urllib`` with a short timeout and no redirects (Saleor follows none either), reading
at most 1 MiB. Only URLs derived from an allowed or installed API URL are ever fetched.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from . import conf

MAX_RESPONSE = 1024 * 1024


class RemoteError(Exception):
    """Saleor could not be reached or answered something unusable."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, f"redirect to {newurl} refused", headers, fp)


_opener = urllib.request.build_opener(_NoRedirects)


def jwks_url(api_url: str) -> str:
    """Saleor serves its keys at the API's origin: ``https://shop.example/.well-known/jwks.json``."""
    parts = urlsplit(api_url)
    return f"{parts.scheme}://{parts.netloc}/.well-known/jwks.json"


def _request(url: str, *, body: dict[str, Any] | None = None, token: str = "") -> Any:
    if urlsplit(url).scheme not in ("http", "https"):
        raise RemoteError(f"{url}: only http(s) URLs are fetched")
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    try:
        with _opener.open(request, timeout=conf.get("TRIGGERS_SALEOR_HTTP_TIMEOUT")) as response:
            raw = response.read(MAX_RESPONSE + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise RemoteError(f"{url}: {exc}") from exc
    if len(raw) > MAX_RESPONSE:
        raise RemoteError(f"{url}: response larger than {MAX_RESPONSE} bytes")
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise RemoteError(f"{url}: not JSON") from exc


def fetch_jwks(api_url: str) -> dict[str, Any]:
    """Saleor's current JWKS, ``{"keys": [...]}``."""
    url = jwks_url(api_url)
    jwks = _request(url)
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list) or not jwks["keys"]:
        raise RemoteError(f"{url}: not a JSON Web Key Set")
    return jwks


def fetch_app_id(api_url: str, token: str) -> str:
    """Ask Saleor who the token belongs to: proves the token is real before it is stored."""
    answer = _request(api_url, body={"query": "{ app { id } }"}, token=token)
    app = (answer.get("data") or {}).get("app") if isinstance(answer, dict) else None
    if not isinstance(app, dict) or not app.get("id"):
        raise RemoteError(f"{api_url}: the token does not belong to an app")
    return str(app["id"])
