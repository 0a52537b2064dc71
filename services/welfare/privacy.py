"""Welfare privacy: encryption at rest, crypto-shredding, pseudonymous dedupe.

Two layers:
- The whole event store is encrypted by the eventsourcing library's cipher
  (AES-GCM) with the service key: `WELFARE_CIPHER_KEY` from the environment or,
  in development, a key generated once in `welfare-cipher.key` in the directory
  of the SQLite event store (`SQLITE_DBNAME`), else in `SHEQU_DATA_DIR`.
- Personal fields inside events are additionally sealed with a per-person data
  key (AES-GCM). Per-person keys live outside the event log, in the key store
  (`welfare-keys.sqlite` in the same directory), wrapped with a key derived from
  the service key. Erasure deletes a person's key (SQLite secure_delete), so the
  immutable events keep only ciphertext nobody can open: crypto-shredding.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import sqlite3
import threading
import uuid
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

CIPHER_KEY_ENV = "WELFARE_CIPHER_KEY"
CIPHER_KEY_FILE = "welfare-cipher.key"
KEY_STORE_FILE = "welfare-keys.sqlite"
ERASED = "[erased]"
DEDUPE_NAMESPACE = uuid.UUID("3c1f0b7e-2a5d-4d6e-9f41-7b8e2c9a0d55")


def welfare_data_dir(env: dict[str, str]) -> Path:
    """Where the development key file and the key store live."""
    dbname = env.get("SQLITE_DBNAME", "")
    if dbname and ":memory:" not in dbname and "mode=memory" not in dbname:
        return Path(dbname).parent
    return Path(os.environ.get("SHEQU_DATA_DIR", ".shequ"))


def welfare_cipher_key(data_dir: Path) -> str:
    """The service key (base64, 32 bytes): env WELFARE_CIPHER_KEY, else generated once in data_dir."""
    if key := os.environ.get(CIPHER_KEY_ENV):
        return key
    path = data_dir / CIPHER_KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(base64.b64encode(AESGCM.generate_key(256)).decode())
    return path.read_text().strip()


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"shequ-welfare:" + purpose).derive(master)


class KeyStore:
    """Per-person data keys, wrapped with the service key; deleting one shreds that person's data."""

    def __init__(self, path: Path, master_key: str) -> None:
        master = base64.b64decode(master_key)
        self._wrap = AESGCM(_derive(master, b"key-wrap"))
        self._dedupe = _derive(master, b"national-id")
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA secure_delete = ON")
        self._db.execute("CREATE TABLE IF NOT EXISTS person_keys (person_id TEXT PRIMARY KEY, wrapped BLOB NOT NULL)")

    def close(self) -> None:
        self._db.close()

    def dedupe_id(self, national_id: str) -> uuid.UUID:
        """Deterministic id from an HMAC of the id number: no plaintext id number in any index."""
        digest = hmac.new(self._dedupe, national_id.strip().upper().encode(), hashlib.sha256).hexdigest()
        return uuid.uuid5(DEDUPE_NAMESPACE, digest)

    def create(self, person_id: uuid.UUID) -> bytes:
        key = AESGCM.generate_key(256)
        nonce = os.urandom(12)
        wrapped = nonce + self._wrap.encrypt(nonce, key, str(person_id).encode())
        with self._lock:
            self._db.execute("INSERT INTO person_keys VALUES (?, ?)", (str(person_id), wrapped))
        return key

    def key(self, person_id: uuid.UUID) -> bytes | None:
        with self._lock:
            row = self._db.execute("SELECT wrapped FROM person_keys WHERE person_id = ?", (str(person_id),)).fetchone()
        if row is None:
            return None
        return self._wrap.decrypt(row[0][:12], row[0][12:], str(person_id).encode())

    def destroy(self, person_id: uuid.UUID) -> None:
        with self._lock:
            self._db.execute("DELETE FROM person_keys WHERE person_id = ?", (str(person_id),))
            self._db.execute("VACUUM")

    def seal(self, person_id: uuid.UUID, fields: dict[str, Any]) -> str:
        key = self.key(person_id) or self.create(person_id)
        nonce = os.urandom(12)
        sealed = nonce + AESGCM(key).encrypt(nonce, json.dumps(fields).encode(), str(person_id).encode())
        return base64.b64encode(sealed).decode()

    def open(self, person_id: uuid.UUID, sealed: str) -> dict[str, Any] | None:
        """The personal fields, or None once the person's key has been destroyed."""
        key = self.key(person_id)
        if key is None:
            return None
        raw = base64.b64decode(sealed)
        try:
            return json.loads(AESGCM(key).decrypt(raw[:12], raw[12:], str(person_id).encode()))
        except InvalidTag:
            return None
