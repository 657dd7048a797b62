"""Database, migrations, the write lock, backups and the SQLite FSM storage, on real files."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from aiogram.fsm.storage.base import StorageKey

from storage.db import Database, Migration, backup_file, load_migrations
from storage.fsm import SQLiteStorage
from storage.users import Role, SeenUser, UserRepo


async def test_migrations_apply_once_and_are_recorded(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    first = Database(path)
    await first.connect()
    shipped = [m.version for m in load_migrations()]
    assert await first.schema_version() == shipped[-1]
    await first.close()

    again = Database(path)
    await again.connect()
    assert await again.migrate() == []
    rows = await again.fetchall("SELECT version FROM schema_version ORDER BY version")
    assert [r["version"] for r in rows] == shipped
    await again.close()


async def test_failing_migration_is_rolled_back_whole(db: Database) -> None:
    broken = Migration(
        900, "900_broken.sql", "CREATE TABLE half (x); INSERT INTO nowhere VALUES (1);"
    )
    with pytest.raises(sqlite3.OperationalError):
        await db.migrate([broken])
    assert await db.fetchone("SELECT name FROM sqlite_master WHERE name = 'half'") is None
    assert await db.fetchone("SELECT 1 FROM schema_version WHERE version = 900") is None
    # and the database is still usable for writes
    assert await db.migrate([Migration(901, "901_ok.sql", "CREATE TABLE fine (x);")]) == [901]


async def test_pragmas(db: Database) -> None:
    assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"  # type: ignore[index]
    assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1  # type: ignore[index]
    assert (await db.fetchone("PRAGMA busy_timeout"))[0] == 5000  # type: ignore[index]


async def test_a_write_rolls_back_on_error(db: Database) -> None:
    def half_done(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO users (id, created_at, last_seen_at) VALUES (1,'','')")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await db.write(half_done)
    assert await UserRepo(db).get(1) is None


async def test_writes_run_one_at_a_time_in_order(db: Database) -> None:
    await db.execute("CREATE TABLE counter (n INTEGER)")
    await db.execute("INSERT INTO counter VALUES (0)")

    def bump(conn: sqlite3.Connection) -> int:
        (n,) = conn.execute("SELECT n FROM counter").fetchone()
        conn.execute("UPDATE counter SET n = ?", (n + 1,))
        return int(n)

    seen = await asyncio.gather(*(db.write(bump) for _ in range(300)))
    # Each read-modify-write saw the one before it: none overlapped, and they ran as asked.
    assert seen == list(range(300))
    assert (await db.fetchone("SELECT n FROM counter"))["n"] == 300  # type: ignore[index]


async def test_roles_and_audit(db: Database) -> None:
    users = UserRepo(db)
    await users.touch(SeenUser(5, "Ира", username="ira"))
    assert (await users.by_username("@IRA", "2000-01-01")).id == 5  # type: ignore[union-attr]
    # The username passes to someone else: the first owner no longer answers to it.
    await users.touch(SeenUser(6, "Ирина", username="Ira"))
    assert (await users.by_username("ira", "2000-01-01")).id == 6  # type: ignore[union-attr]
    assert (await users.get(5)).username is None  # type: ignore[union-attr]
    assert await users.by_username("ira", "2999-01-01") is None
    assert await users.set_role(5, Role.TUTOR, changed_by=1) is Role.STAFF
    assert await users.set_role(5, Role.TUTOR, changed_by=1) is None
    history = await users.role_history(5)
    assert [(old, new, by) for old, new, by, _ in history] == [(Role.STAFF, Role.TUTOR, 1)]
    assert (await users.count_by_role())[Role.TUTOR] == 1


async def test_touch_keeps_names_current(db: Database) -> None:
    users = UserRepo(db)
    await users.touch(SeenUser(5, "Ира"))
    renamed = await users.touch(SeenUser(5, "Ирина", username="irina"))
    assert renamed.first_name == "Ирина"
    assert (await users.get(5)).username == "irina"  # type: ignore[union-attr]


async def test_backup_while_writing(db: Database, tmp_path: Path) -> None:
    await db.execute("CREATE TABLE log (n INTEGER)")
    stop = asyncio.Event()

    async def writer() -> None:
        n = 0
        while not stop.is_set():
            await db.execute("INSERT INTO log VALUES (?)", (n,))
            n += 1

    task = asyncio.create_task(writer())
    await asyncio.sleep(0.05)
    dest = await backup_file(db.path, tmp_path / "backups" / "copy.sqlite3")
    stop.set()
    await task

    copy = sqlite3.connect(dest)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    (copied,) = copy.execute("SELECT COUNT(*) FROM log").fetchone()
    (live,) = (await db.fetchone("SELECT COUNT(*) FROM log")) or (0,)
    assert 0 < copied <= live
    copy.close()


async def test_backup_replaces_an_older_copy(db: Database, tmp_path: Path) -> None:
    dest = tmp_path / "copy.sqlite3"
    await db.backup(dest)
    await UserRepo(db).touch(SeenUser(9, "Новый"))
    await db.backup(dest)
    copy = sqlite3.connect(dest)
    assert copy.execute("SELECT first_name FROM users WHERE id = 9").fetchone() == ("Новый",)
    copy.close()


def _key(user_id: int = 7) -> StorageKey:
    return StorageKey(bot_id=42, chat_id=user_id, user_id=user_id)


async def test_fsm_state_and_data_survive_reopen(tmp_path: Path) -> None:
    path = tmp_path / "fsm.sqlite3"
    db = Database(path)
    await db.connect()
    fsm = SQLiteStorage(db)
    await fsm.set_state(_key(), "Form:waiting_for_topic")
    await fsm.update_data(_key(), {"topic": "ЭЛН", "count": 3})
    await db.close()

    db = Database(path)
    await db.connect()
    fsm = SQLiteStorage(db)
    assert await fsm.get_state(_key()) == "Form:waiting_for_topic"
    assert await fsm.get_data(_key()) == {"topic": "ЭЛН", "count": 3}
    raw = await db.fetchone("SELECT data FROM fsm")
    assert json.loads(raw["data"]) == {"topic": "ЭЛН", "count": 3}  # type: ignore[index]
    await db.close()


async def test_fsm_keys_are_separate_and_clear_deletes(db: Database) -> None:
    fsm = SQLiteStorage(db)
    await fsm.set_state(_key(1), "A:x")
    await fsm.set_state(_key(2), "B:y")
    assert await fsm.get_state(_key(1)) == "A:x"
    await fsm.set_state(_key(1), None)
    await fsm.set_data(_key(1), {})
    assert await fsm.get_state(_key(1)) is None
    assert await db.fetchone("SELECT COUNT(*) AS n FROM fsm") is not None
    assert (await db.fetchone("SELECT COUNT(*) AS n FROM fsm"))["n"] == 1  # type: ignore[index]


async def test_fsm_refuses_non_json_data(db: Database) -> None:
    fsm = SQLiteStorage(db)
    with pytest.raises(TypeError):
        await fsm.set_data(_key(), {"when": object()})
    assert await fsm.get_data(_key()) == {}
