"""Production authentication: tokens verified against an OpenID Connect issuer's published key set.

A real HTTP server publishes the JWKS (as an identity provider does at its `jwks_uri`); the service,
configured with SHEQU_ENV=production, fetches it and verifies RS256 tokens against it.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from services.grid.config import SERVICE as GRID
from bootstrap.runtime import build_service, build_verifier
from shared.platform.settings import Settings

ISSUER = "https://id.example.test/realms/district"


@pytest.fixture
def identity_provider():
    """Publishes one RSA public key as a JWKS over HTTP; counts the fetches."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()
    fetches: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            fetches.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield key, f"http://127.0.0.1:{server.server_port}/protocol/openid-connect/certs", fetches
    finally:
        server.shutdown()


def token(key: Any, *, kid: str = "k1", issuer: str = ISSUER, audience: str = "shequ", **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": issuer, "aud": audience, "sub": "staff-7", "iat": now, "exp": now + 600,
               "roles": ["community_staff"], "communities": ["jinpen"], **claims}
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


def test_production_verifies_tokens_against_the_issuers_published_keys(tmp_path, identity_provider):
    key, jwks_url, fetches = identity_provider
    settings = Settings(SHEQU_DATA_DIR=tmp_path / "data", SHEQU_ENV="production", OIDC_ISSUER=ISSUER,
                        OIDC_JWKS_URL=jwks_url)
    running = build_service(GRID, settings, None, build_verifier(settings), with_relay=False)
    try:
        client = TestClient(running.http, raise_server_exceptions=False)

        def cells(bearer: str) -> Any:
            return client.get("/communities/jinpen", headers={"Authorization": f"Bearer {bearer}"})

        accepted = cells(token(key))
        assert accepted.status_code == 404 and "jinpen" in accepted.text, accepted.text  # authenticated; none yet
        assert fetches, "the key set was never fetched from the issuer"

        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        for bad, reason in ((token(stranger), "signed by another key"),
                            (token(key, issuer="https://evil.test/"), "another issuer"),
                            (token(key, audience="someone-else"), "another audience"),
                            (token(key, exp=int(time.time()) - 3600), "expired")):
            refused = cells(bad)
            assert refused.status_code == 401, (reason, refused.text)
            assert refused.headers["www-authenticate"].startswith("Bearer"), reason
        # A development token (ES256, the embedded issuer) is worthless in production.
        from shared.platform.auth import DevelopmentKeys

        dev = DevelopmentKeys(tmp_path / "dev").mint("x", ["admin"], ["*"])
        assert cells(dev).status_code == 401
    finally:
        running.application.close()
