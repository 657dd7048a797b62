"""What the throughput work relies on: caches that never serve stale data, statistics written
in batches but never lost, and router gates that never turn away an update a handler takes."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Message

from catalog.glossary import Glossary
from catalog.model import Kind, MaterialInput
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.fsm import SQLiteStorage
from storage.users import Role, SeenUser, UserRepo


def _message(text: str, chat_type: str = "private") -> Message:
    return Message.model_validate(
        {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": 7, "type": chat_type},
            "from": {"id": 7, "is_bot": False, "first_name": "Анна"},
            "text": text,
        }
    )


async def test_search_log_and_downloads_reach_the_database_by_flush_report_or_close(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    db = Database(path)
    await db.connect()
    repo = CatalogRepo(db)
    await repo.ensure_topics()
    material = await repo.create(
        MaterialInput(title="Памятка ЭЛН", kind=Kind.MEMO, topics=["base"], url="https://x.ru")
    )
    await repo.save_search("элн", 7, "private", "элн", 1)
    await repo.record_download(material, 7, 7, "private")
    # The card sees the count at once, from the shared cache.
    got = await CatalogRepo(db).get(material)
    assert got is not None
    assert got.downloads == 1
    async with db.report_reader() as conn, conn.execute("SELECT COUNT(*) FROM searches") as cur:
        assert (await cur.fetchone())[0] == 1  # type: ignore[index]
    await repo.save_search("цами", 7, "private", "цами", 0)
    await repo.record_download(material, 8, 8, "private")
    await db.close()  # a clean stop writes what waits

    db = Database(path)
    await db.connect()
    row = await db.fetchone("SELECT COUNT(*) AS n FROM searches")
    assert row is not None
    assert row["n"] == 2
    row = await db.fetchone("SELECT downloads FROM materials WHERE id = ?", (material,))
    assert row is not None
    assert row["downloads"] == 2
    row = await db.fetchone("SELECT COUNT(*) AS n FROM downloads")
    assert row is not None
    assert row["n"] == 2
    # A batch is written together: values keep their types, and a
    # counter counts each row.
    other = await CatalogRepo(db).create(
        MaterialInput(title="Памятка ЦАМИ", kind=Kind.MEMO, topics=["base"], url="https://y.ru")
    )
    repo = CatalogRepo(db)
    for material_id, user in ((material, 9), (other, 10), (material, None)):
        await repo.record_download(material_id, user, user, "group")
    await repo.save_search("ЭЛН «кавычки»", None, "group", "элн", 0)
    await db.flush()
    counts = await db.fetchall("SELECT id, downloads FROM materials ORDER BY id")
    assert [(r["id"], r["downloads"]) for r in counts] == [(material, 4), (other, 1)]
    last = await db.fetchall(
        "SELECT material_id, user_id, chat_id, channel FROM downloads ORDER BY id DESC LIMIT 3"
    )
    assert [tuple(r) for r in last] == [
        (material, None, None, "group"),
        (other, 10, 10, "group"),
        (material, 9, 9, "group"),
    ]
    row = await db.fetchone("SELECT query, user_id, results FROM searches ORDER BY id DESC")
    assert row is not None
    assert tuple(row) == ("ЭЛН «кавычки»", None, 0)
    await db.close()


async def test_a_role_granted_through_one_repository_is_seen_by_another_at_once(
    db: Database,
) -> None:
    reader = UserRepo(db)
    await reader.touch(SeenUser(id=42, first_name="Ольга"))
    before = await reader.get(42)
    assert before is not None
    assert before.role is Role.STAFF
    await UserRepo(db).set_role(42, Role.METHODOLOGIST, changed_by=1)
    after = await reader.get(42)
    assert after is not None
    assert after.role is Role.METHODOLOGIST


async def test_forgetting_a_person_drops_the_cached_name(db: Database) -> None:
    users = UserRepo(db)
    await users.touch(SeenUser(id=43, first_name="Ирина", last_name="Петрова"))
    await users.erase(43, "—")
    record = await users.get(43)
    assert record is not None
    assert record.display_name == "43"
    assert record.forgotten


async def test_a_material_changed_through_one_repository_is_seen_by_another(
    db: Database,
) -> None:
    editor, reader = CatalogRepo(db), CatalogRepo(db)
    await editor.ensure_topics()
    m = MaterialInput(title="Старое название", kind=Kind.MEMO, topics=["base"], url="https://x.ru")
    material = await editor.create(m)
    assert (await reader.get(material)).title == "Старое название"  # type: ignore[union-attr]
    assert (await reader.search("старое")).ids == (material,)
    m.title = "Новое название"
    await editor.update(material, m)
    assert (await reader.get(material)).title == "Новое название"  # type: ignore[union-attr]
    assert (await reader.search("старое")).ids == ()
    await editor.set_status(material, "archived")
    assert not (await reader.get(material)).active  # type: ignore[union-attr]


async def test_fsm_reads_come_from_memory_and_writes_still_reach_the_database(
    db: Database,
) -> None:
    key = StorageKey(bot_id=1, chat_id=7, user_id=7)
    fsm = SQLiteStorage(db)
    await fsm.set_state(key, "Form:waiting_for_topic")
    await fsm.update_data(key, {"topic": "ЭЛН"})
    row = await db.fetchone("SELECT state, data FROM fsm")
    assert row is not None
    assert row["state"] == "Form:waiting_for_topic"
    # Another storage on the same file (a restart) reads what the first one wrote.
    assert await SQLiteStorage(db).get_data(key) == {"topic": "ЭЛН"}
    # A reader's dict is its own: changing it changes nothing stored.
    data = await fsm.get_data(key)
    data["topic"] = "ЦАМИ"
    assert await fsm.get_data(key) == {"topic": "ЭЛН"}
    await fsm.set_state(key, None)
    await fsm.set_data(key, {})
    assert await db.fetchone("SELECT * FROM fsm") is None
    # Clearing again changes nothing and writes nothing.
    await fsm.set_state(key, None)
    assert await db.fetchone("SELECT * FROM fsm") is None


async def test_a_download_counted_during_a_search_does_not_keep_it_from_the_cache(
    db: Database,
) -> None:
    repo = CatalogRepo(db)
    await repo.ensure_topics()
    memo = await repo.create(
        MaterialInput(title="Памятка ЭЛН", kind=Kind.MEMO, topics=["base"], url="https://x.ru")
    )
    other = await repo.create(
        MaterialInput(title="Регламент ЦАМИ", kind=Kind.MEMO, topics=["base"], url="https://y.ru")
    )
    searching = asyncio.create_task(repo.search("памятка"))
    await asyncio.sleep(0)  # the search is under way, waiting for the database
    await repo.record_download(other, 7, 7, "private")
    found = (await searching).ids
    assert found[0] == memo
    # Archived by another process: this repository answers from its cache for a while
    # (RESULTS_TTL), which shows the search was kept.
    await db.execute("UPDATE materials SET status = 'archived' WHERE id = ?", (memo,))
    assert (await repo.search("памятка")).ids == found
    # A repository with caches of its own (another glossary) asks the database.
    assert memo not in (await CatalogRepo(db, Glossary.load()).search("памятка")).ids


async def test_every_form_step_is_on_disk_when_the_storage_returns(db: Database) -> None:
    key = StorageKey(bot_id=1, chat_id=7, user_id=7)
    fsm = SQLiteStorage(db)

    async def stored() -> tuple[str | None, str] | None:
        row = await db.fetchone("SELECT state, data FROM fsm")
        return (row["state"], row["data"]) if row else None

    await fsm.set_state(key, "Form:waiting_for_topic")
    assert await stored() == ("Form:waiting_for_topic", "{}")
    await fsm.update_data(key, {"topic": "ЭЛН"})
    assert await stored() == ("Form:waiting_for_topic", '{"topic": "ЭЛН"}')
    # Another process (a restart) reads what this one was told was written.
    assert await SQLiteStorage(db).get_data(key) == {"topic": "ЭЛН"}

    # aiogram's contract: data must be a dict; nothing is written otherwise.
    with pytest.raises(DataNotDictLikeError):
        await fsm.set_data(key, [("topic", "ЦАМИ")])  # type: ignore[arg-type]
    assert await fsm.get_data(key) == {"topic": "ЭЛН"}

    # A reader cannot change what the storage keeps.
    data = await fsm.get_data(key)
    data["topic"] = "ЦАМИ"
    assert await fsm.get_data(key) == {"topic": "ЭЛН"}

    # A form's end leaves no row behind, and memory with room for one key still answers right.
    await fsm.set_state(key, None)
    await fsm.set_data(key, {})
    assert await stored() is None
    small = SQLiteStorage(db, cached_keys=1)
    other = StorageKey(bot_id=1, chat_id=8, user_id=8)
    await small.set_state(key, "Form:waiting_for_topic")
    await small.set_state(other, "Form:waiting_for_format")
    assert await small.get_state(key) == "Form:waiting_for_topic"
    assert await small.get_state(other) == "Form:waiting_for_format"
