"""Verified bearer tokens are kept, bounded and never past their `exp`; rejected ones are never kept."""

from __future__ import annotations

import time

import pytest

from shared.platform.auth import DevelopmentKeys, TokenVerifier, Unauthenticated


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def counting_verifier(keys: DevelopmentKeys, clock: Clock, size: int = 4096) -> tuple[TokenVerifier, list[str]]:
    resolved: list[str] = []

    def resolve(token: str):  # noqa: ANN202 - the key, counted: one signature check per resolution
        resolved.append(token)
        return keys.public_key

    base = keys.verifier()
    return TokenVerifier(issuer=base.issuer, audience=base.audience, key_resolver=resolve,
                         algorithms=base.algorithms, cache_size=size, clock=clock), resolved


def test_a_verified_token_is_answered_from_memory_until_it_expires(tmp_path):
    keys, clock = DevelopmentKeys(tmp_path), Clock()
    verifier, resolved = counting_verifier(keys, clock)
    token = keys.mint("staff-1", ["community_staff"], ["jinpen"], ttl_seconds=60)
    first = verifier.verify(token)
    assert verifier.verify(token) == first and verifier.cached(token) == first
    assert len(resolved) == 1
    clock.now = first.expires_at  # at exp the cached verification is dropped and the token checked again
    assert verifier.cached(token) is None
    verifier.verify(token)  # still inside the library's 30 s leeway: accepted by a full check
    assert len(resolved) == 2


def test_an_expired_token_is_rejected_even_if_it_was_verified_before(tmp_path):
    keys, clock = DevelopmentKeys(tmp_path), Clock()
    verifier, _ = counting_verifier(keys, clock)
    token = keys.mint("staff-1", ["community_staff"], ttl_seconds=1)
    verifier.verify(token)
    clock.now += 5
    assert verifier.cached(token) is None
    expired = keys.mint("staff-1", ["community_staff"], ttl_seconds=-3600)
    with pytest.raises(Unauthenticated, match="expired"):
        verifier.verify(expired)
    assert verifier.cached(expired) is None


def test_rejected_tokens_are_not_kept_and_the_cache_is_bounded(tmp_path):
    keys, clock = DevelopmentKeys(tmp_path), Clock()
    verifier, resolved = counting_verifier(keys, clock, size=2)
    forged = DevelopmentKeys(tmp_path / "other").mint("intruder", ["admin"], ["*"])
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            verifier.verify(forged)
    assert len(resolved) == 2 and verifier.cached(forged) is None
    tokens = [keys.mint(f"s{i}", ["community_staff"]) for i in range(3)]
    for token in tokens:
        verifier.verify(token)
    assert verifier.cached(tokens[0]) is None  # the least recently used was dropped
    assert verifier.cached(tokens[1]) is not None and verifier.cached(tokens[2]) is not None
