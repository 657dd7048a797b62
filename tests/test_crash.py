"""Crash safety of the delivery engine: ``python -m bot`` is killed with SIGKILL in the middle
of a broadcast and started again. Everyone gets the message; at most one is duplicated."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from pathlib import Path

from storage.announcements import AnnouncementRepo, Content, Kind, Targets
from storage.catalog import CatalogRepo
from storage.chats import ChatRepo
from storage.db import Database
from storage.users import Role, UserRepo
from tests.fakes.recording import TOKEN
from tests.fakes.telegram_server import FakeTelegram
from tests.test_process import _env

SUBSCRIBERS = list(range(70_001, 70_081))
TEXT = "Срочно: плановые работы в РМИС в субботу"


async def _prepare(path: Path) -> None:
    db = Database(path)
    await db.connect()
    try:
        await CatalogRepo(db).ensure_topics()
        users, chats = UserRepo(db), ChatRepo(db)
        for person in SUBSCRIBERS:
            await users.set_role(person, Role.TUTOR, changed_by=None)
            await chats.toggle_subscription(person, "lis")
        await AnnouncementRepo(db).create(
            Kind.BROADCAST, Content(text=TEXT), Targets(topics=("lis",), subscribers=True)
        )
    finally:
        await db.close()


def _delivered(server: FakeTelegram) -> Counter[int]:
    return Counter(
        int(c.params["chat_id"])
        for c in server.calls_of("sendMessage")
        if c.params.get("text") == TEXT
    )


async def _start(tmp_path: Path, server: FakeTelegram) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=_env(
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=server.url,
            DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
        ),
        stderr=asyncio.subprocess.DEVNULL,
    )


async def test_sigkill_mid_broadcast_loses_nothing_and_duplicates_at_most_one(
    tmp_path: Path,
) -> None:
    await _prepare(tmp_path / "bot.sqlite3")
    server = await FakeTelegram().start()
    server.enforce_limits = True
    try:
        proc = await _start(tmp_path, server)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while sum(_delivered(server).values()) < 25:
            assert loop.time() < deadline, "the first run never got going"
            await asyncio.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        first_run = sum(_delivered(server).values())
        assert first_run < len(SUBSCRIBERS), "killed too late to test anything"

        proc = await _start(tmp_path, server)
        deadline = loop.time() + 60
        while set(_delivered(server)) != set(SUBSCRIBERS):
            assert loop.time() < deadline, "the restarted bot did not finish the broadcast"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # anything sent twice would show up by now
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
        await server.stop()

    delivered = _delivered(server)
    assert set(delivered) == set(SUBSCRIBERS)
    assert sum(delivered.values()) - len(SUBSCRIBERS) <= 1
    assert server.rate_limited == 0
