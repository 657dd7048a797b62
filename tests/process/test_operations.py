"""Operating the bot: nightly backups with rotation, restoring one, and ``python -m bot
doctor``. Commands run as the operator runs them, each in a process of its own (``doctor``
is forked from one that imported the bot: tests/process/forked.py)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from storage import backups
from storage.chats import ChatInfo, ChatRepo
from storage.db import Database, load_migrations
from tests.e2e.helpers import scheduler_of
from tests.fakes.recording import TOKEN
from tests.fakes.telegram_server import FakeTelegram
from tests.harness import RunningBot, make_settings
from tests.process import forked
from tests.process.test_process import _env, _run_cli


async def _db_with_user(path: Path, name: str) -> Database:
    db = Database(path)
    await db.connect()
    await db.execute(
        "INSERT INTO users (id, first_name, created_at, last_seen_at) VALUES (5, ?, '', '')",
        (name,),
    )
    return db


def _names(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT first_name FROM users ORDER BY id")]
    finally:
        conn.close()


async def test_nightly_backups_keep_the_newest_n(tmp_path: Path) -> None:
    db = await _db_with_user(tmp_path / "bot.sqlite3", "Ира")
    folder = tmp_path / "backups"
    night = datetime(2026, 11, 20, 0, 30, tzinfo=UTC)
    try:
        made = [await backups.nightly(db, folder, 3, night + timedelta(days=i)) for i in range(5)]
    finally:
        await db.close()
    assert [p.name for p in backups.backups(folder)] == [p.name for p in made[-3:]]
    assert made[-1].name == "bot-20261124-003000.sqlite3"
    assert _names(made[-1]) == ["Ира"]
    assert backups.quick_check(made[-1]) == "ok"


async def test_restore_brings_the_data_back_and_keeps_the_replaced_database(
    tmp_path: Path,
) -> None:
    live = tmp_path / "data" / "bot.sqlite3"
    db = await _db_with_user(live, "Ира")
    copy = await backups.nightly(db, tmp_path / "b", 7, datetime.now(UTC))
    await db.execute("UPDATE users SET first_name = 'Испорчено' WHERE id = 5")
    await db.close()

    code, out, err = await _run_cli(tmp_path, "restore", str(copy), DATABASE_PATH=str(live))
    assert code == 0, err
    assert f"restored {copy} to {live}" in out
    assert _names(live) == ["Ира"]
    kept = [p for p in live.parent.iterdir() if ".before-restore-" in p.name]
    replaced = next(p for p in kept if not p.name.endswith(("-wal", "-shm")))
    assert _names(replaced) == ["Испорчено"]

    # The restored database opens, migrates nothing and works.
    reopened = Database(live)
    await reopened.connect()
    assert await reopened.integrity_check() == "ok"
    await reopened.close()


async def test_restore_refuses_a_damaged_backup_and_changes_nothing(tmp_path: Path) -> None:
    live = tmp_path / "bot.sqlite3"
    db = await _db_with_user(live, "Ира")
    await db.close()
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"SQLite format 3\x00" + b"\x00garbage" * 500)
    code, _, err = await _run_cli(tmp_path, "restore", str(junk), DATABASE_PATH=str(live))
    assert code == 1
    assert "restore failed" in err
    missing = await _run_cli(tmp_path, "restore", "none.sqlite3", DATABASE_PATH=str(live))
    assert missing[0] == 1
    assert "does not exist" in missing[2]
    assert _names(live) == ["Ира"]
    assert not [p for p in tmp_path.iterdir() if "before-restore" in p.name]


async def test_the_scheduler_runs_the_nightly_backup(server: FakeTelegram, tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, telegram_api_url=server.url, backup_keep=2, backup_time=time(3, 30)
    )
    running = await RunningBot(server, settings).start()
    try:
        scheduler = scheduler_of(running)
        await scheduler.rebuild()  # as after any change to the schedule: the backup stays
        runs = dict(scheduler.next_runs())
        assert runs["backup"].hour == 3
        assert runs["backup"].minute == 30
        made = await scheduler.run_backup()
        assert made is not None
        assert made.parent == tmp_path / "backups"
        assert backups.quick_check(made) == "ok"
    finally:
        await running.stop()


async def test_doctor_reports_health_and_problems(server: FakeTelegram, tmp_path: Path) -> None:
    live = tmp_path / "bot.sqlite3"
    db = Database(live)
    await db.connect()
    chats = ChatRepo(db)
    await chats.upsert(ChatInfo(-100, "ЭЛН — вопросы", "supergroup", False, True, True, 40))
    await chats.upsert(ChatInfo(-200, "ЛИС", "supergroup", False, True, True, 10))
    await chats.deactivate(-200, "bot was kicked")
    await db.close()
    env = {"BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": server.url, "DATABASE_PATH": str(live)}

    code, out, err = await forked.run(tmp_path, _env(**env), "doctor")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("[ok  ] token")
    assert "@mct_test_bot" in lines[0]
    latest = max(m.version for m in load_migrations())
    assert f"integrity ok, schema {latest} of {latest}" in out
    assert "[ok  ] outbox     0 message(s) waiting" in out
    assert "[warn] chats      1 of 2 lost: ЛИС (bot was kicked)" in out
    assert "[ok  ] scheduler  next: vks:" in out
    assert "[warn] backups    none yet" in out
    assert TOKEN not in out + err

    env["BOT_TOKEN"] = "42:WRONG-token-for-tests-only-0000000000"
    wrong = await forked.run(tmp_path, _env(**env), "doctor")
    assert wrong[0] == 1
    assert wrong[1].startswith("[FAIL] token      getMe failed: TelegramUnauthorizedError")
