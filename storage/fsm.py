"""aiogram FSM storage on SQLite: state and data survive a restart; data is JSON, never pickle."""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any, TypeVar

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from storage.db import Database, utcnow

# Keys whose state and data are kept in memory. Every update reads its sender's state, and
# almost every one finds none; a thousand people at work fit many times over.
CACHED_KEYS = 20_000

# A key's state and its data as JSON text.
Row = tuple[str | None, str]
_EMPTY: Row = (None, "{}")
T = TypeVar("T")
_UPSERT = (
    "INSERT INTO fsm (key, state, data, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (key)"
    " DO UPDATE SET state = excluded.state, data = excluded.data, updated_at = excluded.updated_at"
)


class _Batch:
    """The FSM writes of one update, held back until it has been handled."""

    __slots__ = ("open", "rows")

    def __init__(self) -> None:
        self.open = True
        self.rows: dict[str, Row] = {}


_BATCH: ContextVar[_Batch | None] = ContextVar("fsm_batch", default=None)


def _merged(known: Row, fields: Mapping[str, str | None]) -> Row:
    state = fields["state"] if "state" in fields else known[0]
    data = fields["data"] if "data" in fields else known[1]
    return state, data or "{}"


def _store(conn: sqlite3.Connection, k: str, row: Row, now: str) -> None:
    # An empty state with empty data is no row at all.
    if row == _EMPTY:
        conn.execute("DELETE FROM fsm WHERE key = ?", (k,))
    else:
        conn.execute(_UPSERT, (k, row[0], row[1], now))


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
    """One row per key; an empty state and empty data delete the row.

    SQLite is the truth and memory a write-through copy: a read is served from memory after
    the key's first read, and a write updates memory only once its transaction has committed,
    except inside ``batched`` (one update's writes, committed together when it is handled, or
    dropped). That is exact because this storage is the only writer of the ``fsm`` table, and
    one process owns the database (several webhook instances need a shared storage anyway,
    DESIGN §6).
    """

    def __init__(self, db: Database, cached_keys: int = CACHED_KEYS) -> None:
        self.db = db
        self.cached_keys = cached_keys
        # key -> (state, data as JSON text); JSON so that every reader gets its own dict.
        self._rows: OrderedDict[str, Row] = OrderedDict()
        self._writes = 0

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._read(_key(key)))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        # json.dumps raises on anything that is not plain data: a handler that tries to keep a
        # live object in FSM data fails loudly here instead of at the next restart.
        await self._write(key, data=json.dumps(dict(data), ensure_ascii=False))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        data = json.loads((await self._read(_key(key)))[1])
        return data if isinstance(data, dict) else {}

    async def batched(self, handle: Callable[[], Awaitable[T]]) -> T:
        """Run ``handle`` (the handling of one update) with its FSM writes committed together,
        in one transaction, once it is done.

        A form step sets the answer, then the next state: two transactions, each a trip to the
        writer's thread, where one does. Until the commit, the storage answers from memory, so
        the handler reads what it wrote. If the handling fails, nothing it wrote is kept: the
        state is what it was before the update. The dispatcher calls this inside the event
        isolation lock, so the user's next update sees the commit.
        """
        batch = _Batch()
        token = _BATCH.set(batch)
        try:
            result = await handle()
        except BaseException:
            self._drop(batch.rows)
            raise
        finally:
            batch.open = False
            _BATCH.reset(token)
        if batch.rows:
            await self._commit(batch.rows)
        return result

    async def _read(self, k: str) -> Row:
        batch = _BATCH.get()
        # A task the handler started keeps its context, batch included, after the batch closed.
        if batch is not None and batch.open and k in batch.rows:
            return batch.rows[k]
        row = self._rows.get(k)
        if row is not None:
            self._rows.move_to_end(k)
            return row
        writes = self._writes
        found = await self.db.fetchone("SELECT state, data FROM fsm WHERE key = ?", (k,))
        row = (found["state"], found["data"] or "{}") if found else _EMPTY
        if writes == self._writes:
            # A write that finished while we read may be newer than what we read.
            self._remember(k, row)
        return row

    async def _write(self, key: StorageKey, **fields: str | None) -> None:
        k = _key(key)
        batch = _BATCH.get()
        if batch is not None and not batch.open:
            batch = None
        known = await self._read(k) if batch is not None else self._rows.get(k)
        if known is not None:
            row = _merged(known, fields)
            if row == known:
                # Nothing changes (clearing a form nobody is in): no transaction.
                return
            if batch is not None:
                # A read of this key from the database now under way would be older: not kept.
                self._writes += 1
                batch.rows[k] = row
                self._remember(k, row)
                return

        def run(conn: sqlite3.Connection) -> Row:
            old = conn.execute("SELECT state, data FROM fsm WHERE key = ?", (k,)).fetchone()
            new = _merged((old["state"], old["data"] or "{}") if old else _EMPTY, fields)
            _store(conn, k, new, utcnow())
            return new

        self._writes += 1
        try:
            row = await self.db.write(run)
        except BaseException:
            # Cancelled or failed, the transaction may or may not have committed: read again.
            self._rows.pop(k, None)
            raise
        finally:
            # Counted at both ends: a read that overlapped any part of a write is not kept.
            self._writes += 1
        self._remember(k, row)

    async def _commit(self, rows: dict[str, Row]) -> None:
        def run(conn: sqlite3.Connection) -> None:
            now = utcnow()
            for k, row in rows.items():
                _store(conn, k, row, now)

        self._writes += 1
        try:
            await self.db.write(run)
        except BaseException:
            self._drop(rows)
            raise
        finally:
            self._writes += 1

    def _drop(self, rows: Mapping[str, object]) -> None:
        # Memory went ahead of the database: read these keys from it again.
        for k in rows:
            self._rows.pop(k, None)

    def _remember(self, k: str, row: Row) -> None:
        self._rows[k] = row
        self._rows.move_to_end(k)
        while len(self._rows) > self.cached_keys:
            self._rows.popitem(last=False)

    async def close(self) -> None:
        # The Database belongs to whoever built it; the runner closes it after shutdown.
        return None
