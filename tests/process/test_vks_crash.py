"""Crash safety of the VKS card form: ``python -m bot`` is killed with SIGKILL the moment
Telegram shows a methodologist the next step; after the restart the answer typed is taken for
the step on the screen, and the form goes on."""

from __future__ import annotations

import asyncio
import signal
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from catalog.schedule import is_holiday
from handlers.vks import texts
from storage.db import Database
from storage.users import Role, UserRepo
from storage.vks import VksRepo
from tests.fakes.people import Person, callback, message
from tests.fakes.recording import TOKEN
from tests.fakes.telegram_server import Call, FakeTelegram, Json
from tests.harness import button_data
from tests.process import forked
from tests.process.test_process import _env

METHODIST = Person(4204, "Нина", "nina_vks")
MSK = ZoneInfo("Europe/Moscow")


def _wednesday() -> date:
    now = datetime.now(MSK).date()
    day = now + timedelta(days=(2 - now.weekday()) % 7 + 7)
    while is_holiday(day):
        day += timedelta(days=7)
    return day


async def _prepare(path: Path) -> None:
    db = Database(path)
    await db.connect()
    try:
        await UserRepo(db).set_role(METHODIST.id, Role.METHODOLOGIST, changed_by=None)
    finally:
        await db.close()


async def _topic(path: Path, day: date) -> str | None:
    db = Database(path)
    await db.connect()
    try:
        return (await VksRepo(db).get(day)).topic
    finally:
        await db.close()


async def _start(tmp_path: Path, server: FakeTelegram) -> forked.BotProcess:
    env = _env(
        BOT_TOKEN=TOKEN, TELEGRAM_API_URL=server.url, DATABASE_PATH=str(tmp_path / "bot.sqlite3")
    )
    return forked.start(tmp_path, env)


def _last(server: FakeTelegram) -> Json:
    return dict(server.chat_messages(METHODIST.id)[-1])


async def _shows(server: FakeTelegram, method: str, expect: str, seen: int) -> Json:
    await server.wait_for(
        method,
        lambda c: c.params.get("chat_id") == METHODIST.id and expect in c.params.get("text", ""),
        after=seen,
        timeout=30,
    )
    return _last(server)


async def _say(server: FakeTelegram, text: str, expect: str, method: str) -> Json:
    seen = len(server.calls)
    await server.push_update("message", message(METHODIST, text))
    return await _shows(server, method, expect, seen)


async def _click(server: FakeTelegram, shown: Json, caption: str, expect: str) -> Json:
    seen = len(server.calls)
    data = button_data(shown["reply_markup"], caption)
    await server.push_update("callback_query", callback(METHODIST, data, shown))
    return await _shows(server, "editMessageText", expect, seen)


async def test_sigkill_the_moment_a_card_step_is_shown_loses_no_step(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await _prepare(path)
    day = _wednesday()
    server = await FakeTelegram().start()
    proc = await _start(tmp_path, server)

    def kill_when_shown(fragment: str) -> None:
        def hook(call: Call) -> None:
            if call.params.get("chat_id") == METHODIST.id and fragment in call.params.get(
                "text", ""
            ):
                server.carried_out = None
                proc.send_signal(signal.SIGKILL)

        server.carried_out = hook

    try:
        await server.wait_for("getUpdates", timeout=30)
        shown = await _say(server, "/vks", "ВКС 8.38", "sendMessage")
        shown = await _click(
            server, shown, texts.date_button(day, texts.NO_TOPIC), "Тема: — не задана"
        )
        ask = texts.ASK_FIELD["topic"].format(day=f"{day:%d.%m}")
        kill_when_shown(ask)
        await _click(server, shown, texts.BTN_TOPIC, ask)
        await proc.wait()

        proc = await _start(tmp_path, server)
        # Typed after the restart, the answer is the topic of the step on the screen.
        shown = await _say(
            server, "Отчётность по ВМП", "Тема: Отчётность по ВМП", "editMessageText"
        )
        assert await _topic(path, day) == "Отчётность по ВМП"
        # And the form goes on: the card's buttons lead to their steps.
        link = texts.ASK_FIELD["link"].format(day=f"{day:%d.%m}")
        await _click(server, shown, texts.BTN_LINK, link)
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
        await server.stop()
