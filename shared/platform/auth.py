"""Who may do what: OAuth2 bearer tokens (JWT), community-scoped roles.

- Production: tokens are verified against an OpenID Connect issuer's published
  keys (OIDC_ISSUER, OIDC_AUDIENCE, OIDC_JWKS_URL; RS256/ES256).
- Embedded default: the platform generates its own ES256 signing key in the
  data directory; `shequ token` mints tokens for it.

Every endpoint depends on `requires(...)`; a missing or invalid token is 401
with a WWW-Authenticate header, a valid token with the wrong role or community
is 403 naming what is missing. Nothing is written in either case, because the
dependency runs before the handler.
"""

from __future__ import annotations

import functools
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from shared.kernel.actor import ALL_COMMUNITIES, Actor, Role, ensure_community, pseudonym
from shared.kernel.errors import Forbidden

DEV_ISSUER = "shequ-embedded"
DEV_AUDIENCE = "shequ"
DEV_KEY_FILE = "signing-key.pem"
__all__ = ["ALL_COMMUNITIES", "Actor", "Forbidden", "Principal", "Role", "TokenVerifier", "ensure_community",
           "pseudonym", "requires"]


@dataclass(frozen=True)
class Principal:
    """A verified caller: subject, roles, the communities they serve."""

    subject: str
    roles: frozenset[str]
    communities: frozenset[str]
    expires_at: float = float("inf")
    """The token's `exp` (seconds since the epoch): a cached verification is never used past it."""

    def covers(self, community_id: str) -> bool:
        return ALL_COMMUNITIES in self.communities or community_id in self.communities


class Unauthenticated(HTTPException):
    def __init__(self, detail: str, error: str = "invalid_token") -> None:
        challenge = f'Bearer realm="shequ", error="{error}", error_description="{detail}"'
        if error == "missing_token":
            challenge = 'Bearer realm="shequ"'
        super().__init__(status_code=401, detail=detail, headers={"WWW-Authenticate": challenge})


class TokenVerifier:
    """Verifies bearer tokens; built once per process by the composition root.

    A client sends the same token with every request, so a verified token is kept (at most
    `cache_size`, least recently used dropped first) and answered from memory until its `exp`:
    the signature check is most of the cost of authenticating a request. Only successful
    verifications are kept; a rejected token is checked again each time.
    """

    def __init__(self, *, issuer: str, audience: str, key_resolver: Callable[[str], Any],
                 algorithms: Iterable[str] = ("ES256", "RS256"), resolves_over_network: bool = False,
                 cache_size: int = 4096, clock: Callable[[], float] = time.time) -> None:
        self.cache_size = cache_size
        self._clock = clock
        self._verified: OrderedDict[str, Principal] = OrderedDict()
        self._lock = threading.Lock()
        self.issuer = issuer
        # An OIDC key set may be fetched on a cache miss: such a verifier must not run on the event loop.
        self.resolves_over_network = resolves_over_network
        self.audience = audience
        self._key_resolver = key_resolver
        self.algorithms = list(algorithms)

    def cached(self, token: str) -> Principal | None:
        """The principal of a token verified earlier and not expired since, else None."""
        with self._lock:
            principal = self._verified.get(token)
            if principal is None:
                return None
            if self._clock() >= principal.expires_at:
                del self._verified[token]
                return None
            self._verified.move_to_end(token)
            return principal

    def verify(self, token: str) -> Principal:
        principal = self.cached(token)
        if principal is not None:
            return principal
        principal = self._verify(token)
        if self.cache_size > 0:
            with self._lock:
                self._verified[token] = principal
                while len(self._verified) > self.cache_size:
                    self._verified.popitem(last=False)
        return principal

    def _verify(self, token: str) -> Principal:
        try:
            key = self._key_resolver(token)
            claims = jwt.decode(
                token, key, algorithms=self.algorithms, audience=self.audience, issuer=self.issuer,
                options={"require": ["exp", "sub", "iss", "aud"]}, leeway=30,
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token expired") from None
        except (jwt.PyJWTError, ValueError) as exc:
            raise Unauthenticated(f"token rejected: {exc}") from None
        roles = claims.get("roles", [])
        communities = claims.get("communities", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise Unauthenticated("token claim 'roles' must be a list of strings")
        if not isinstance(communities, list) or not all(isinstance(c, str) for c in communities):
            raise Unauthenticated("token claim 'communities' must be a list of strings")
        return Principal(str(claims["sub"]), frozenset(roles) & {r.value for r in Role}, frozenset(communities),
                         expires_at=float(claims["exp"]))


class DevelopmentKeys:
    """The embedded default's signing key, generated once in the data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / DEV_KEY_FILE
        if not self.path.exists():
            self._create(data_dir)
        self.private_key = serialization.load_pem_private_key(self.path.read_bytes(), password=None)
        self.public_key = self.private_key.public_key()

    def _create(self, data_dir: Path) -> None:
        """Write a new key where none is; several processes starting at once (HTTP workers) agree on one.

        The key is written whole under a private name, then linked into place: a link fails when the file
        exists, so the first process wins and the others read its key, never a half-written file."""
        data_dir.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        draft = self.path.with_name(f"{self.path.name}.{os.getpid()}.{uuid.uuid4().hex}")
        draft.touch(mode=0o600)
        try:
            draft.write_bytes(pem)
            os.link(draft, self.path)
        except FileExistsError:
            pass  # another process wrote the key first: use theirs
        finally:
            draft.unlink(missing_ok=True)

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(issuer=DEV_ISSUER, audience=DEV_AUDIENCE, key_resolver=lambda _t: self.public_key,
                             algorithms=("ES256",))

    def mint(self, subject: str, roles: Iterable[str], communities: Iterable[str] = (),
             ttl_seconds: int = 12 * 3600) -> str:
        now = int(time.time())
        claims = {"iss": DEV_ISSUER, "aud": DEV_AUDIENCE, "sub": subject, "iat": now, "exp": now + ttl_seconds,
                  "roles": sorted(set(roles)), "communities": sorted(set(communities))}
        return jwt.encode(claims, self.private_key, algorithm="ES256")


def oidc_verifier(issuer: str, audience: str, jwks_url: str) -> TokenVerifier:
    jwks = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600)
    return TokenVerifier(issuer=issuer, audience=audience,
                         key_resolver=lambda token: jwks.get_signing_key_from_jwt(token).key, resolves_over_network=True)


def _principal(request: Request) -> Principal:
    verifier, token = _bearer(request)
    return verifier.verify(token)


def _bearer(request: Request) -> tuple[TokenVerifier, str]:
    header = request.headers.get("authorization")
    if not header:
        raise Unauthenticated("a bearer token is required", error="missing_token")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Authorization header must be 'Bearer <token>'", error="invalid_request")
    return request.app.state.verifier, token.strip()


@functools.lru_cache(maxsize=4096)
def _pseudonym(subject: str) -> str:
    return pseudonym(subject)


def requires(*roles: Role) -> Callable[[Request], Awaitable[Actor]]:
    """A FastAPI dependency: the caller, acting in one of `roles`."""
    allowed = [r.value for r in roles]

    async def dependency(request: Request) -> Actor:
        # Async: a local signature check is cheaper than a hop to the thread pool and back.
        verifier, token = _bearer(request)
        principal = verifier.cached(token)
        if principal is None:
            principal = (await run_in_threadpool(verifier.verify, token) if verifier.resolves_over_network
                         else verifier.verify(token))
        acting = next((r for r in allowed if r in principal.roles), None)
        if acting is None:
            held = ", ".join(sorted(principal.roles)) or "none"
            raise Forbidden(f"this requires role {' or '.join(allowed)}; the token has {held}")
        correlation_id = (request.headers.get("x-request-id") or str(uuid.uuid4()))[:128]
        request.state.correlation_id = correlation_id
        return Actor(subject=principal.subject, role=acting, pseudonym=_pseudonym(principal.subject),
                     communities=tuple(sorted(principal.communities)), correlation_id=correlation_id)

    dependency.__name__ = f"requires_{'_or_'.join(allowed)}"
    return dependency
