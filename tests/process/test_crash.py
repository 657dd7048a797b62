"""Crash safety: ``python -m bot`` is killed with SIGKILL in the middle of a broadcast (everyone
gets the message, at most one twice) and the moment a form step is answered (no step lost)."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot import ui
from catalog.requests import Audience, Format
from handlers.requests import texts
from storage.announcements import AnnouncementRepo, Content, Kind, Targets
from storage.catalog import CatalogRepo
from storage.chats import ChatRepo
from storage.db import Database
from storage.requests import RequestRepo
from storage.users import Role, UserRepo
from tests.fakes.people import Person, callback, message
from tests.fakes.recording import TOKEN
from tests.fakes.telegram_server import Call, FakeTelegram, Json
from tests.harness import button_data
from tests.process import forked
from tests.process.test_process import _env

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


async def _start(tmp_path: Path, server: FakeTelegram) -> forked.BotProcess:
    env = _env(
        BOT_TOKEN=TOKEN, TELEGRAM_API_URL=server.url, DATABASE_PATH=str(tmp_path / "bot.sqlite3")
    )
    return forked.start(tmp_path, env)


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

        # Telegram still counts the dead process's sends of its last second, and the restarted
        # bot cannot know them; a real restart takes longer than that.
        await asyncio.sleep(1.0)
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


TUTOR = Person(4104, "Мария", "maria_crash")


async def _tutor_can_file(path: Path) -> None:
    db = Database(path)
    await db.connect()
    try:
        await UserRepo(db).set_role(TUTOR.id, Role.TUTOR, changed_by=None)
    finally:
        await db.close()


def _last(server: FakeTelegram) -> Json:
    return server.chat_messages(TUTOR.id)[-1]


def _shows(call: Call, expect: str) -> bool:
    return call.params.get("chat_id") == TUTOR.id and expect in call.params.get("text", "")


async def _answer(server: FakeTelegram, text: str, expect: str) -> Json:
    """Type into the form; returns the tutor's newest message once the form shows ``expect``
    (the form's message is sent once, then edited)."""
    seen = len(server.calls)
    await server.push_update("message", message(TUTOR, text))
    await server.wait_for(
        "editMessageText" if not text.startswith("/") else "sendMessage",
        lambda c: _shows(c, expect),
        after=seen,
        timeout=30,
    )
    return dict(_last(server))


async def _click(
    server: FakeTelegram, shown: Json, caption: str, expect: str, *, killed: bool = False
) -> Json:
    """Press a button; returns the tutor's newest message once it shows ``expect``. Unless the
    bot dies on the way (``killed``), the press is answered with no alert."""
    seen = len(server.calls)
    await server.push_update(
        "callback_query", callback(TUTOR, button_data(shown["reply_markup"], caption), shown)
    )
    await server.wait_for("editMessageText", lambda c: _shows(c, expect), after=seen, timeout=30)
    if not killed:
        answer = await server.wait_for("answerCallbackQuery", after=seen, timeout=30)
        assert not answer.params.get("show_alert"), answer.params
    return dict(_last(server))


async def test_sigkill_the_moment_a_step_is_answered_loses_no_step(tmp_path: Path) -> None:
    """The bot is killed right as Telegram shows the tutor the next step of the request form,
    twice; after each restart the tutor's next answer (a button on the screen, then typed
    dates) is taken for the step they see, and the request is filed whole."""
    path = tmp_path / "bot.sqlite3"
    await _tutor_can_file(path)
    server = await FakeTelegram().start()
    proc = await _start(tmp_path, server)

    def kill_when_shown(fragment: str) -> None:
        def hook(call: Call) -> None:
            if _shows(call, fragment):
                server.carried_out = None
                proc.send_signal(signal.SIGKILL)

        server.carried_out = hook

    start = datetime.now(ZoneInfo("Europe/Moscow")).date() + timedelta(days=7)
    end = start + timedelta(days=2)
    try:
        await server.wait_for("getUpdates", timeout=30)
        await _answer(server, "/request", "шаг 1 из 8")
        shown = await _answer(server, "сокольская", "выберите свою МО")
        shown = await _click(server, shown, "Сокольская ЦРБ", "шаг 2 из 8")
        kill_when_shown("шаг 3 из 8")
        shown = await _click(server, shown, "ЭЛН", "шаг 3 из 8", killed=True)
        await proc.wait()

        proc = await _start(tmp_path, server)
        # The format buttons on the screen work after the restart.
        shown = await _click(server, shown, texts.FORMAT_TITLES["webinar"], "шаг 4 из 8")
        shown = await _click(server, shown, "врачи", "шаг 4 из 8")
        await _click(server, shown, ui.BTN_DONE, "шаг 5 из 8")
        kill_when_shown("шаг 6 из 8")
        await _answer(server, "25", "шаг 6 из 8")
        await proc.wait()

        proc = await _start(tmp_path, server)
        # Typed after the restart, the dates are taken as dates, not as the participants.
        understood = await _answer(server, f"{start:%d.%m}–{end:%d.%m}", "Понял так")
        assert texts.date_range(start, end) in understood["text"]
        assert "шаг 7 из 8" in understood["text"]
        await _answer(server, "Петров Иван, +7 921 123-45-67", "шаг 8 из 8")
        summary = await _click(server, _last(server), texts.BTN_NO_COMMENT, "Проверьте заявку")
        assert "Участников: 25" in summary["text"]
        assert "Петров Иван" in summary["text"]
        done = await _click(server, summary, texts.BTN_SUBMIT, "отправлена методистам")
        assert not (done.get("reply_markup") or {}).get("inline_keyboard")
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
        await server.stop()

    db = Database(path)
    await db.connect()
    try:
        filed = await RequestRepo(db).for_user(TUTOR.id)
    finally:
        await db.close()
    assert len(filed) == 1
    request = filed[0]
    assert (request.topic_code, request.format, request.audience) == (
        "eln",
        Format.WEBINAR,
        (Audience.DOCTORS,),
    )
    assert (request.participants, request.date_from, request.date_to) == (25, start, end)
    assert (request.contact_name, request.contact_phone) == ("Петров Иван", "+79211234567")
