"""Welfare privacy: encryption at rest, crypto-shredding, pseudonymous dedupe.

Two layers:
- The whole event store is encrypted by the eventsourcing library's cipher
  (AES-GCM) with the service key: `WELFARE_CIPHER_KEY` from the environment or,
  in development, a key generated once in `welfare-cipher.key` in the directory
  of the SQLite event store (`SQLITE_DBNAME`), else in `SHEQU_DATA_DIR`.
- Personal fields inside events are additionally sealed with a per-person data
  key (AES-GCM). Per-person keys live outside the event log, wrapped with a key
  derived from the service key, in a key table beside the event store: with
  PostgreSQL, the table `welfare_person_keys` in the event store's own database
  and schema (so every welfare replica shares it); with SQLite, the file
  `welfare-keys.sqlite` beside the event store. Erasure deletes a person's key,
  so the immutable events keep only ciphertext nobody can open:
  crypto-shredding. (SQLite overwrites the deleted row at once: secure_delete
  and VACUUM. PostgreSQL leaves the dead row until vacuum and in WAL and backups
  until they expire, as it does for every deleted row; the wrapped key is
  useless without the service key.)
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
from typing import Any, Protocol

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


class KeyTable(Protocol):
    """Where wrapped per-person keys are kept."""

    def add(self, person_id: str, wrapped: bytes) -> bytes:
        """Store `wrapped` unless the person has a key already; return the stored one (first writer wins)."""
        ...

    def get(self, person_id: str) -> bytes | None: ...

    def delete(self, person_id: str) -> None: ...

    def close(self) -> None: ...


class SqliteKeyTable:
    """The key table as a SQLite file (the embedded default: one process owns it)."""

    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA secure_delete = ON")
        self._db.execute("CREATE TABLE IF NOT EXISTS person_keys (person_id TEXT PRIMARY KEY, wrapped BLOB NOT NULL)")

    def add(self, person_id: str, wrapped: bytes) -> bytes:
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO person_keys VALUES (?, ?)", (person_id, wrapped))
            return self._db.execute("SELECT wrapped FROM person_keys WHERE person_id = ?", (person_id,)).fetchone()[0]

    def get(self, person_id: str) -> bytes | None:
        with self._lock:
            row = self._db.execute("SELECT wrapped FROM person_keys WHERE person_id = ?", (person_id,)).fetchone()
        return None if row is None else row[0]

    def delete(self, person_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM person_keys WHERE person_id = ?", (person_id,))
            self._db.execute("VACUUM")

    def close(self) -> None:
        self._db.close()


class PostgresKeyTable:
    """The key table in the welfare event store's PostgreSQL database and schema, through its connection pool.

    Shared by every welfare replica, so welfare scales out like the other services.
    """

    def __init__(self, datastore: Any) -> None:
        self._datastore = datastore  # eventsourcing's PostgresDatastore: same pool, schema and timeouts
        self._table = f'"{datastore.schema}".welfare_person_keys'
        with datastore.transaction(commit=True) as cursor:
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {self._table} "
                           "(person_id text PRIMARY KEY, wrapped bytea NOT NULL)")

    def add(self, person_id: str, wrapped: bytes) -> bytes:
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(f"INSERT INTO {self._table} VALUES (%s, %s) ON CONFLICT (person_id) DO NOTHING",
                           (person_id, wrapped))
            cursor.execute(f"SELECT wrapped FROM {self._table} WHERE person_id = %s", (person_id,))
            return bytes(cursor.fetchone()["wrapped"])

    def get(self, person_id: str) -> bytes | None:
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT wrapped FROM {self._table} WHERE person_id = %s", (person_id,))
            row = cursor.fetchone()
        return None if row is None else bytes(row["wrapped"])

    def delete(self, person_id: str) -> None:
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(f"DELETE FROM {self._table} WHERE person_id = %s", (person_id,))

    def close(self) -> None:
        pass  # the pool belongs to the event store, which closes it


class KeyStore:
    """Per-person data keys, wrapped with the service key; deleting one shreds that person's data."""

    def __init__(self, table: KeyTable, master_key: str) -> None:
        master = base64.b64decode(master_key)
        self._wrap = AESGCM(_derive(master, b"key-wrap"))
        self._dedupe = _derive(master, b"national-id")
        self._table = table

    def close(self) -> None:
        self._table.close()

    def dedupe_id(self, national_id: str) -> uuid.UUID:
        """Deterministic id from an HMAC of the id number: no plaintext id number in any index."""
        digest = hmac.new(self._dedupe, national_id.strip().upper().encode(), hashlib.sha256).hexdigest()
        return uuid.uuid5(DEDUPE_NAMESPACE, digest)

    def create(self, person_id: uuid.UUID) -> bytes:
        """A new data key for the person, or the one another writer stored first."""
        key = AESGCM.generate_key(256)
        nonce = os.urandom(12)
        wrapped = nonce + self._wrap.encrypt(nonce, key, str(person_id).encode())
        return self._unwrap(person_id, self._table.add(str(person_id), wrapped))

    def key(self, person_id: uuid.UUID) -> bytes | None:
        wrapped = self._table.get(str(person_id))
        return None if wrapped is None else self._unwrap(person_id, wrapped)

    def _unwrap(self, person_id: uuid.UUID, wrapped: bytes) -> bytes:
        return self._wrap.decrypt(wrapped[:12], wrapped[12:], str(person_id).encode())

    def destroy(self, person_id: uuid.UUID) -> None:
        self._table.delete(str(person_id))

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
