"""aiogram FSM storage on SQLite: state and data survive a restart; data is JSON, never pickle.

Every ``set_state`` and ``set_data`` is committed before it returns, so a handler that records
a form's step and then answers has the step on disk before the person sees the answer: a
crash, even kill -9, loses no step the person saw answered.
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from storage.db import Database

# Keys whose state and data are kept in memory. Every update reads its sender's state, and
# almost every one finds none; a thousand people at work fit many times over.
CACHED_KEYS = 20_000

# A key's state and its data as JSON text: immutable, so a cached row is never changed by a
# reader (every get_data parses its own dict).
Row = tuple[str | None, str]
_EMPTY: Row = (None, "{}")
_UPSERT = (
    "INSERT INTO fsm (key, state, data, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (key)"
    " DO UPDATE SET state = excluded.state, data = excluded.data, updated_at = excluded.updated_at"
)


def _key(key: StorageKey) -> str:
    thread = "" if key.thread_id is None else key.thread_id
    business = key.business_connection_id or ""
    return f"{key.bot_id}:{key.chat_id}:{key.user_id}:{thread}:{business}:{key.destiny}"


class SQLiteStorage(BaseStorage):
    """One row per key; an empty state with empty data is no row at all.

    Reads are served from memory once a key has been read or written. That is exact because
    this storage is the only writer of the ``fsm`` table and one process owns the database
    (several webhook instances need a shared storage anyway, DESIGN §6). The events isolation
    lock keeps two updates of one key from interleaving a read and a write.
    """

    def __init__(self, db: Database, cached_keys: int = CACHED_KEYS) -> None:
        self.db = db
        self.cached_keys = cached_keys
        self._rows: OrderedDict[str, Row] = OrderedDict()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(_key(key), state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._read(_key(key)))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            msg = f"Data must be a dict or dict-like object, got {type(data).__name__}"
            raise DataNotDictLikeError(msg)
        # json.dumps raises on anything that is not plain data: a handler that tries to keep a
        # live object in FSM data fails loudly here instead of at the next restart.
        await self._write(_key(key), data=json.dumps(data, ensure_ascii=False))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        data = json.loads((await self._read(_key(key)))[1])
        return data if isinstance(data, dict) else {}

    async def _read(self, k: str) -> Row:
        row = self._rows.get(k)
        if row is not None:
            self._rows.move_to_end(k)
            return row
        found = await self.db.fetchone("SELECT state, data FROM fsm WHERE key = ?", (k,))
        row = (found["state"], found["data"] or "{}") if found else _EMPTY
        # A write of this key cannot have run meanwhile: the key's isolation lock is held.
        self._remember(k, row)
        return row

    async def _write(self, k: str, **fields: str | None) -> None:
        known = await self._read(k)
        state = fields["state"] if "state" in fields else known[0]
        data = fields["data"] if "data" in fields else known[1]
        row: Row = (state, data or "{}")
        if row == known:
            # Nothing changes (clearing a form nobody is in): nothing to write.
            return
        now = self.db.stamp()

        def run(conn: sqlite3.Connection) -> None:
            if row == _EMPTY:
                conn.execute("DELETE FROM fsm WHERE key = ?", (k,))
            else:
                conn.execute(_UPSERT, (k, row[0], row[1], now))

        # Forgotten first: if the commit fails or is cancelled midway, the next read asks SQLite.
        self._rows.pop(k, None)
        await self.db.write(run)
        self._remember(k, row)

    def _remember(self, k: str, row: Row) -> None:
        self._rows[k] = row
        self._rows.move_to_end(k)
        while len(self._rows) > self.cached_keys:
            self._rows.popitem(last=False)

    async def close(self) -> None:
        # The Database belongs to whoever built it; there is nothing of ours to close.
        return None
