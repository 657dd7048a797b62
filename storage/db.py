"""SQLite access: connections, pragmas, numbered migrations, the one write path and backups.

Every write is a ``BEGIN IMMEDIATE`` transaction run by ``write``, one job at a time, in the
order asked, on a thread of its own with its own connection: there is no other way to write,
so writes need no lock and never wait on SQLite's busy timeout for each other. Reads use a
second connection (aiosqlite), so in WAL mode they only ever see committed data and never wait
for writers.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from storage.clock import Clock, system_clock

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
# Statistics rows (a search logged, a download counted) wait at most this long, or until there
# are this many, and are then written together: one transaction instead of one per update.
DEFER_SECONDS = 1.0
DEFER_ROWS = 500
# If the database refuses them for long, the oldest rows beyond this are given up.
DEFER_KEPT = 50_000
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
# NORMAL is durable in WAL mode except for the last commits on power loss, and saves an fsync
# per transaction. secure_delete zeroes what a delete or an update frees, so an erased name
# does not linger in the file (/forget).
_PRAGMAS = (
    f"busy_timeout={BUSY_TIMEOUT_MS}",
    "foreign_keys=ON",
    "synchronous=NORMAL",
    "secure_delete=ON",
)
CHECKPOINT_TRIES = 50

Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """Migrations shipped in ``storage/migrations``, ordered by their number."""
    found: list[Migration] = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration numbers: {versions}")
    return found


def iso(moment: datetime) -> str:
    """Timestamps are stored as ISO-8601 UTC text, which sorts and compares correctly."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class Flusher:
    """Runs ``write`` (which writes whatever rows wait) soon after rows are queued: ``delay``
    seconds after the first, or at once when ``rows`` wait; never two at a time. ``flush``
    runs it now and returns once everything queued before the call is written."""

    def __init__(self, write: Callable[[], Awaitable[None]], delay: float, rows: int) -> None:
        self.write = write
        self.delay = delay
        self.rows = rows
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def queued(self, waiting: int) -> None:
        """Tell it how many rows wait now (also after a failed write, to try again later)."""
        if waiting >= self.rows:
            self._start()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.delay, self._start)

    def _start(self) -> None:
        self._timer = None
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self.flush())

    async def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        async with self._lock:
            await self.write()


class Database:
    """The bot's SQLite database. Build one per process, ``await connect()``, pass it down."""

    def __init__(self, path: Path | str, clock: Clock = system_clock) -> None:
        self.path = Path(path)
        self.clock = clock
        self._reader: aiosqlite.Connection | None = None
        self._sync: sqlite3.Connection | None = None
        self._writer_thread: ThreadPoolExecutor | None = None
        self._shared: dict[str, Any] = {}
        self._deferred: list[tuple[str, Params]] = []
        self._flusher = Flusher(self._write_deferred, DEFER_SECONDS, DEFER_ROWS)

    async def connect(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # The one writer: its thread runs every write transaction, in order.
        self._writer_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-writer")
        self._sync = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._sync.row_factory = sqlite3.Row
        await self._on_writer(_prepare_writer)
        await self.migrate()
        self._reader = await self._open()
        # Searches read the FTS index hard: a larger page cache and memory-mapped reads keep
        # its hot pages from being decoded again on every query.
        await _pragma(self._reader, "cache_size=-32768")
        await _pragma(self._reader, f"mmap_size={128 * 1024 * 1024}")

    async def _open(self) -> aiosqlite.Connection:
        # isolation_level=None: we issue BEGIN ourselves, Python's sqlite3 must not.
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        for pragma in _PRAGMAS:
            await _pragma(conn, pragma)
        return conn

    async def close(self) -> None:
        await self.flush()
        sync, self._sync = self._sync, None
        if sync is not None and self._writer_thread is not None:
            # After every write already asked for: the thread takes jobs in order.
            await asyncio.get_running_loop().run_in_executor(self._writer_thread, sync.close)
            self._writer_thread.shutdown()
            self._writer_thread = None
        if self._reader is not None:
            await self._reader.close()
        self._reader = None

    def now(self) -> datetime:
        """The bot's "now", aware, from its one clock."""
        return self.clock()

    def stamp(self) -> str:
        """Now as a stored timestamp."""
        return iso(self.clock())

    def shared(self, name: str, factory: Callable[[], T]) -> T:
        """One in-memory object per database under ``name``, built on first use.

        Repositories are cheap and built wherever needed; what they cache must outlive them
        and be seen by all of them, or one repository's write would leave another's copy stale.
        """
        if name not in self._shared:
            self._shared[name] = factory()
        value: T = self._shared[name]
        return value

    @property
    def is_connected(self) -> bool:
        return self._sync is not None

    def _require(self, conn: aiosqlite.Connection | None) -> aiosqlite.Connection:
        if conn is None:
            raise RuntimeError("Database is not connected")
        return conn

    async def migrate(self, migrations: Iterable[Migration] | None = None) -> list[int]:
        """Apply every migration not yet recorded; each one atomically. Returns what ran."""
        todo = load_migrations() if migrations is None else list(migrations)
        return await self._on_writer(lambda conn: _migrate(conn, todo, self.stamp()))

    async def schema_version(self) -> int:
        row = await self.fetchone("SELECT COALESCE(MAX(version), 0) AS v FROM schema_version")
        return int(row["v"]) if row else 0

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn`` as one ``BEGIN IMMEDIATE`` transaction on the writer's thread: committed
        if it returns, rolled back if it raises. Cancelled before its turn, it never runs;
        once started, it finishes."""
        return await self._on_writer(lambda conn: _run_transaction(conn, fn))

    async def _on_writer(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn, thread = self._sync, self._writer_thread
        if conn is None or thread is None:
            raise RuntimeError("Database is not connected")
        return await asyncio.get_running_loop().run_in_executor(thread, fn, conn)

    async def checkpoint(self) -> bool:
        """Copy the WAL into the database file and empty it, so that what was just erased is
        in neither; True when it went all the way (a long read may hold it up)."""
        return await self._on_writer(_checkpoint)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one write statement in its own transaction; returns the last row id.

        Through ``write``: one thread hop for BEGIN, the statement and COMMIT together, where
        the aiosqlite connection would take one hop for each."""
        return await self.write(lambda conn: conn.execute(sql, params).lastrowid or 0)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        batch = list(rows)
        await self.write(lambda conn: conn.executemany(sql, batch))

    def defer(self, sql: str, params: Params) -> None:
        """Queue a statistics write (a search logged, a download counted) that nobody waits
        for, to go with others soon after in one transaction.

        ``flush`` writes the queue at once; ``close`` and ``report_reader`` flush first, and so
        must any reader that needs those rows. A crash loses at most the last DEFER_SECONDS of
        statistics, never anything a person entered.
        """
        self._deferred.append((sql, params))
        self._flusher.queued(len(self._deferred))

    async def flush(self) -> None:
        """Write every queued statistics row now; returns once they are committed, including
        those a flush already under way had taken."""
        await self._flusher.flush()

    async def _write_deferred(self) -> None:
        while self._deferred and self._sync is not None:
            rows, self._deferred = self._deferred, []
            by_sql: dict[str, list[Params]] = {}
            for sql, params in rows:
                by_sql.setdefault(sql, []).append(params)

            def run(conn: sqlite3.Connection, by_sql: dict[str, list[Params]] = by_sql) -> None:
                for sql, batch in by_sql.items():
                    conn.executemany(sql, batch)

            try:
                await self.write(run)
            except sqlite3.Error:
                log.exception("could not write %d statistics row(s); will retry", len(rows))
                self._deferred[:0] = rows
                del self._deferred[:-DEFER_KEPT]
                self._flusher.queued(0)
                return

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        # One hop to the reader's thread for execute, fetch and close together: a handler
        # makes several reads, and each hop costs more than a small indexed query.
        conn = self._require(self._reader)
        return list(await conn.execute_fetchall(sql, params))

    @asynccontextmanager
    async def report_reader(self) -> AsyncIterator[aiosqlite.Connection]:
        """A read-only connection of its own for a long report, so that the report never
        holds up the shared reader that searches use."""
        self._require(self._reader)
        await self.flush()
        conn = await aiosqlite.connect(f"file:{self.path.resolve()}?mode=ro", uri=True)
        try:
            conn.row_factory = aiosqlite.Row
            await _pragma(conn, f"busy_timeout={BUSY_TIMEOUT_MS}")
            await _pragma(conn, "cache_size=-32768")
            yield conn
        finally:
            await conn.close()

    async def integrity_check(self) -> str:
        row = await self.fetchone("PRAGMA integrity_check")
        return str(row[0]) if row else "no answer"

    async def backup(self, dest: Path | str) -> Path:
        """A consistent copy of the live database, taken without stopping writers."""
        conn = self._require(self._reader)
        return await _vacuum_into(conn, Path(dest))


def _prepare_writer(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode=WAL").close()
    for pragma in _PRAGMAS:
        conn.execute(f"PRAGMA {pragma}").close()


def _migrate(conn: sqlite3.Connection, migrations: list[Migration], stamp: str) -> list[int]:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in conn.execute("SELECT version FROM schema_version")}
    applied: list[int] = []
    for migration in migrations:
        if migration.version in done:
            continue
        # executescript cannot take parameters; the values here are our own file name and a
        # timestamp, never user input.
        script = (
            "BEGIN IMMEDIATE;\n"
            f"{migration.sql}\n;\n"
            "INSERT INTO schema_version(version, name, applied_at) VALUES "
            f"({migration.version}, '{migration.name}', '{stamp}');\n"
            "COMMIT;"
        )
        try:
            conn.executescript(script)
        except Exception:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            log.exception("migration %s failed, rolled back", migration.name)
            raise
        log.info("applied migration %s", migration.name)
        applied.append(migration.version)
    return applied


def _run_transaction(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


def _checkpoint(conn: sqlite3.Connection) -> bool:
    for _ in range(CHECKPOINT_TRIES):
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            return True
        # A reader is between statements of a read transaction: it lets go within moments.
        time.sleep(0.02)
    log.warning("WAL checkpoint held up by a reader; it completes with the next one")
    return False


async def _pragma(conn: aiosqlite.Connection, pragma: str) -> None:
    # Some pragmas answer with a row; an unclosed cursor keeps its statement "in progress",
    # which later makes VACUUM INTO refuse to run.
    async with conn.execute(f"PRAGMA {pragma}"):
        pass


async def _vacuum_into(conn: aiosqlite.Connection, dest: Path) -> Path:
    dest = dest.resolve()
    dest.parent.mkdir(parents=True, exist_ok=True)
    # VACUUM INTO refuses an existing file; write beside the target and rename, so a reader of
    # the backup folder never sees half a file.
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        async with conn.execute("VACUUM INTO ?", (str(tmp),)):
            pass
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


async def backup_file(source: Path | str, dest: Path | str) -> Path:
    """Back up a database file that another process may be writing, without migrating it."""
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"database {source} does not exist")
    conn = await aiosqlite.connect(f"file:{source.resolve()}?mode=ro", uri=True)
    try:
        await _pragma(conn, f"busy_timeout={BUSY_TIMEOUT_MS}")
        return await _vacuum_into(conn, Path(dest))
    finally:
        await conn.close()
