"""A Saleor on loopback for the adapter's tests: its JWKS, its ``{ app { id } }``, its signatures.

Signatures are made exactly the way Saleor makes them (``saleor/core/jwt_manager.py``,
``JWTManager.jws_encode`` and ``get_jwks``): PyJWT's ``api_jws.encode`` with
``is_payload_detached=True`` and ``headers={"kid": <RFC 7638 thumbprint>, "crit": ["b64"]}``,
which yields the protected header ``{"alg": "RS256", "b64": false, "crit": ["b64"], "kid": …,
"typ": "JWT"}`` and a ``<header>..<signature>`` token; the JWKS publishes each key with
``use: "sig"``, ``alg: "RS256"`` and that thumbprint as ``kid``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections import Counter
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives.asymmetric import rsa
from jwt import api_jws
from jwt.algorithms import RSAAlgorithm

APP_ID = "QXBwOjQy"  # base64("App:42"), the shape of Saleor's global ids
TOKEN = "saleor-issued-app-token"


@cache
def private_key(name: str) -> rsa.RSAPrivateKey:
    """RSA keys are slow to make: one per name for the whole test run."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def thumbprint(jwk: dict) -> str:
    """RFC 7638 JWK thumbprint (SHA-256) of an RSA key: what Saleor uses as ``kid``."""
    canonical = json.dumps({"e": jwk["e"], "kty": jwk["kty"], "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).decode().rstrip("=")


def public_jwk(name: str) -> dict:
    """The key as Saleor's ``/.well-known/jwks.json`` publishes it."""
    jwk = json.loads(RSAAlgorithm.to_jwk(private_key(name).public_key()))
    jwk.update({"use": "sig", "kid": thumbprint(jwk), "alg": "RS256"})
    return jwk


def kid_of(name: str) -> str:
    return public_jwk(name)["kid"]


class FakeSaleor:
    """Serves ``/.well-known/jwks.json`` and ``/graphql/`` on 127.0.0.1, counting requests."""

    def __init__(self) -> None:
        self.keys = ["saleor-key-1"]  # names of the keys the JWKS publishes; the first one signs
        self.hits: Counter = Counter()
        self.tokens = {TOKEN: APP_ID}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.timeout = 0.1  # handle_request() returns at least this often
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.origin + "/graphql/"

    def start(self) -> FakeSaleor:
        self.thread.start()
        return self

    def _serve(self) -> None:
        while not self.stopping.is_set():
            self.server.handle_request()

    def stop(self) -> None:
        """Stop serving, within a bounded time and safely twice (a test may take Saleor down
        before the teardown does). ``serve_forever``/``shutdown`` was not used: ``shutdown``
        waits without a limit, and a teardown must never hang the test run."""
        self.stopping.set()
        self.thread.join(timeout=5)
        self.server.server_close()

    def jwks(self) -> dict:
        return {"keys": [public_jwk(name) for name in self.keys]}

    def rotate(self, name: str) -> str:
        """Saleor gets a new private key (e.g. a new ``RSA_PRIVATE_KEY``); returns its kid."""
        self.keys = [name]
        return kid_of(name)

    def sign(self, body: bytes, key: str | None = None, kid: str | None = None) -> str:
        """The ``Saleor-Signature`` Saleor would send for ``body`` (signed with ``key``, whose
        thumbprint is the kid unless ``kid`` forges another)."""
        name = key or self.keys[0]
        return api_jws.encode(
            body,
            key=private_key(name),
            algorithm="RS256",
            headers={"kid": kid or kid_of(name), "crit": ["b64"]},
            is_payload_detached=True,
        )

    @staticmethod
    def sign_hmac(body: bytes, secret: str) -> str:
        return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

    def _handler(self):
        saleor = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _json(self, status: int, data: dict) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):
                saleor.hits[self.path] += 1
                if self.path == "/.well-known/jwks.json":
                    return self._json(200, saleor.jwks())
                return self._json(404, {"error": "not found"})

            def do_POST(self):
                saleor.hits[self.path] += 1
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != "/graphql/":
                    return self._json(404, {"error": "not found"})
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                app_id = saleor.tokens.get(token)
                return self._json(200, {"data": {"app": {"id": app_id} if app_id else None}})

        return Handler
