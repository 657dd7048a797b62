"""aiogram FSM storage on SQLite: state and data survive a restart; data is JSON, never pickle."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any, TypeVar

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from storage.db import Database, Flusher, utcnow

log = logging.getLogger(__name__)

# Form steps wait at most this long, or until there are this many, and are then written
# together.
FLUSH_SECONDS = 1.0
FLUSH_ROWS = 200
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
    # Every update computes its sender's key: one f-string, not a join over a generator.
    thread = "" if key.thread_id is None else key.thread_id
    business = key.business_connection_id or ""
    return f"{key.bot_id}:{key.chat_id}:{key.user_id}:{thread}:{business}:{key.destiny}"


class SQLiteStorage(BaseStorage):
    """One row per key; an empty state and empty data delete the row.

    Memory is ahead of SQLite by at most a second: a form step's writes are kept in memory
    and written with the other steps of that second in one transaction (``flush``), because
    a trip to the writer's thread costs more than the rest of the step. A form's end (its
    state cleared, after a request or a material was saved) is written at once, and
    shutting down writes everything. So a restart loses nothing and a crash at most the last
    second's steps: the person answers one question again.

    Reads are served from memory, and from SQLite only for a key never seen. That is exact
    because this storage is the only writer of the ``fsm`` table, and one process owns the
    database (several webhook instances need a shared storage anyway, DESIGN §6).
    """

    def __init__(self, db: Database, cached_keys: int = CACHED_KEYS) -> None:
        self.db = db
        self.cached_keys = cached_keys
        # key -> (state, data as JSON text); JSON so that every reader gets its own dict.
        self._rows: OrderedDict[str, Row] = OrderedDict()
        # Rows not yet in SQLite, and those a flush is writing now. Never evicted.
        self._pending: dict[str, Row] = {}
        self._writing: dict[str, Row] = {}
        self._writes = 0
        self.flusher = Flusher(self._write_pending, FLUSH_SECONDS, FLUSH_ROWS)

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
        """Run ``handle`` (the handling of one update) with its FSM writes kept together until
        it is done, then queued for the next flush, or written at once if they end a form.

        Until then the storage answers from memory, so the handler reads what it wrote. If
        the handling fails, nothing it wrote is kept: the state is what it was before the
        update. The dispatcher calls this inside the event isolation lock, so the user's next
        update sees what this one wrote.
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
        if _EMPTY in batch.rows.values():
            await self._commit(batch.rows)
        elif batch.rows:
            self._pending.update(batch.rows)
            self.flusher.queued(len(self._pending))
        return result

    def _known(self, k: str) -> Row | None:
        batch = _BATCH.get()
        # A task the handler started keeps its context, batch included, after the batch closed.
        if batch is not None and batch.open and k in batch.rows:
            return batch.rows[k]
        row = self._rows.get(k)
        if row is not None:
            self._rows.move_to_end(k)
            return row
        # Forgotten from memory (evicted, or dropped by a failed step) but not yet written.
        return self._pending.get(k) or self._writing.get(k)

    async def _read(self, k: str) -> Row:
        row = self._known(k)
        if row is not None:
            return row
        writes = self._writes
        found = await self.db.fetchone("SELECT state, data FROM fsm WHERE key = ?", (k,))
        row = (found["state"], found["data"] or "{}") if found else _EMPTY
        if writes != self._writes:
            # A write made while we read is newer than what we read.
            return self._known(k) or row
        self._remember(k, row)
        return row

    async def _write(self, key: StorageKey, **fields: str | None) -> None:
        k = _key(key)
        known = await self._read(k)
        row = _merged(known, fields)
        if row == known:
            # Nothing changes (clearing a form nobody is in): nothing to write.
            return
        # A read of this key from the database now under way would be older: not kept.
        self._writes += 1
        self._remember(k, row)
        batch = _BATCH.get()
        if batch is not None and batch.open:
            batch.rows[k] = row
        else:
            await self._commit({k: row})

    async def _commit(self, rows: dict[str, Row]) -> None:
        """Write ``rows`` now; they replace whatever of theirs was waiting for a flush."""
        replaced = {k: self._pending.pop(k) for k in rows if k in self._pending}
        try:
            await self._store_all(rows)
        except sqlite3.Error:
            # Rolled back: what was waiting is still the newest to keep.
            for k, row in replaced.items():
                self._pending.setdefault(k, row)
            self._drop(rows)
            raise
        except BaseException:
            # Cancelled: the write may have committed or not; SQLite will say.
            self._drop(rows)
            raise

    async def _store_all(self, rows: dict[str, Row]) -> None:
        def run(conn: sqlite3.Connection) -> None:
            now = utcnow()
            for k, row in rows.items():
                _store(conn, k, row, now)

        self._writes += 1
        try:
            await self.db.write(run)
        finally:
            self._writes += 1

    async def flush(self) -> None:
        """Write every row still waiting; returns once they are committed."""
        await self.flusher.flush()

    async def _write_pending(self) -> None:
        while self._pending and self.db.is_connected:
            self._writing, self._pending = self._pending, {}
            try:
                await self._store_all(self._writing)
            except sqlite3.Error:
                log.exception("could not write %d form step(s); will retry", len(self._writing))
                for k, row in self._writing.items():
                    # Rows written at once meanwhile are newer.
                    self._pending.setdefault(k, row)
                self.flusher.queued(0)
                return
            finally:
                self._writing = {}

    def _drop(self, rows: Mapping[str, object]) -> None:
        # Memory went ahead of what is kept: read these keys again (from what waits, or SQLite).
        for k in rows:
            self._rows.pop(k, None)

    def _remember(self, k: str, row: Row) -> None:
        self._rows[k] = row
        self._rows.move_to_end(k)
        while len(self._rows) > self.cached_keys:
            self._rows.popitem(last=False)

    async def close(self) -> None:
        # aiogram calls this at shutdown; the Database belongs to whoever built it, and the
        # runner closes it after the running handlers, and a last flush, are done.
        await self.flush()
