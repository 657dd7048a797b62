"""aiogram FSM storage on SQLite: state and data survive a restart; data is JSON, never pickle."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from storage.db import Database, utcnow


def _key(key: StorageKey) -> str:
    return ":".join(
        str(part) if part is not None else ""
        for part in (
            key.bot_id,
            key.chat_id,
            key.user_id,
            key.thread_id,
            key.business_connection_id,
            key.destiny,
        )
    )


class SQLiteStorage(BaseStorage):
    """One row per key; an empty state and empty data delete the row."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self.db.fetchone("SELECT state FROM fsm WHERE key = ?", (_key(key),))
        return row["state"] if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        # json.dumps raises on anything that is not plain data: a handler that tries to keep a
        # live object in FSM data fails loudly here instead of at the next restart.
        await self._write(key, data=json.dumps(dict(data), ensure_ascii=False))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self.db.fetchone("SELECT data FROM fsm WHERE key = ?", (_key(key),))
        if not row:
            return {}
        data = json.loads(row["data"])
        return data if isinstance(data, dict) else {}

    async def _write(self, key: StorageKey, **fields: str | None) -> None:
        k = _key(key)
        async with self.db.transaction() as conn:
            cur = await conn.execute("SELECT state, data FROM fsm WHERE key = ?", (k,))
            row = await cur.fetchone()
            state = fields["state"] if "state" in fields else (row["state"] if row else None)
            data = fields["data"] if "data" in fields else (row["data"] if row else "{}")
            if state is None and data in (None, "{}"):
                await conn.execute("DELETE FROM fsm WHERE key = ?", (k,))
            else:
                await conn.execute(
                    "INSERT INTO fsm (key, state, data, updated_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET state = excluded.state,"
                    " data = excluded.data, updated_at = excluded.updated_at",
                    (k, state, data or "{}", utcnow()),
                )

    async def close(self) -> None:
        # The Database belongs to whoever built it; the runner closes it after shutdown.
        return None
