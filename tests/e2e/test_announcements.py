"""End to end: the chat registry and the VKS 8.38 reminders,
driven through the fake Bot API with the bot polling it exactly as it polls Telegram."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import texts
from bot.callbacks import (
    VksAction,
    VksCallback,
)
from bot.scheduler import Scheduler
from catalog.schedule import is_holiday
from storage.chats import ChatRepo
from storage.users import Role, UserRepo
from storage.vks import VksRepo
from tests.conftest import RunningBot, button_data, button_texts
from tests.e2e.test_broadcasts import compose_to_all  # noqa: F401  (test_delivery composes)
from tests.fakes.people import (
    ADMIN,
    DOCTOR,
    NURSE,
    Person,
    bot_membership,
    group_chat,
    message,
    sticker,
)
from tests.fakes.telegram_server import Call, FakeTelegram, Json

MSK = ZoneInfo("Europe/Moscow")
METHODIST = DOCTOR


async def make_methodist(running: RunningBot) -> None:
    assert running.db is not None
    await UserRepo(running.db).set_role(METHODIST.id, Role.METHODOLOGIST, changed_by=None)


async def add_to_group(running: RunningBot, chat_id: int, title: str = "", **rights: Any) -> Call:
    """The bot is added to a group; returns its greeting there."""
    update = bot_membership(
        ADMIN, group_chat(chat_id, title), "member", running.server.bot_user, **rights
    )
    return await running.push_and_wait("my_chat_member", update, chat_id)


def last(running: RunningBot, chat_id: int) -> Json:
    return running.server.chat_messages(chat_id)[-1]


async def tap(
    running: RunningBot, person: Person, caption: str, method: str = "editMessageText"
) -> Call:
    """Press the button with ``caption`` on the latest message in ``person``'s chat."""
    shown = last(running, person.id)
    seen = len(running.server.calls)
    await running.press(person, button_data(shown.get("reply_markup"), caption), shown)
    return await running.server.wait_for(method, after=seen)


async def wait_until(predicate: Any, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def texts_in(server: FakeTelegram, chat_id: int) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in server.chat_messages(chat_id)]


def vks_posts(server: FakeTelegram, chat_id: int) -> list[Json]:
    return [m for m in server.chat_messages(chat_id) if "Тема:" in (m.get("text") or "")]


def scheduler_of(running: RunningBot) -> Scheduler:
    assert running.dp is not None
    scheduler = running.dp.workflow_data["scheduler"]
    assert isinstance(scheduler, Scheduler)
    return scheduler


# -- VKS 8.38 ---------------------------------------------------------------------------------


async def drive(running: RunningBot, *moments: datetime) -> None:
    """Move the scheduler's clock through ``moments`` and let the engine drain."""
    scheduler = scheduler_of(running)
    for moment in moments:
        await scheduler.run_due(moment)
    await asyncio.sleep(0.5)


def at(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=MSK)


async def test_vks_reminders_go_at_the_configured_times(running: RunningBot) -> None:
    assert running.db is not None
    await add_to_group(running, -601, "ЭЛН")
    await add_to_group(running, -602, "Кадры")
    await ChatRepo(running.db).toggle_binding(-601, 0, "eln")
    day = date(2026, 12, 2)  # a Wednesday, not a holiday
    vks = VksRepo(running.db)
    await vks.set_field(day, "topic", "ЭЛН: <новое> в 2026", by=ADMIN.id)
    await vks.set_field(day, "link", "https://vks.example.ru/838", by=ADMIN.id)
    await vks.toggle_direction(day, "eln", by=ADMIN.id)

    await drive(running, at(date(2026, 12, 1), 14, 58), at(date(2026, 12, 1), 14, 59))
    assert vks_posts(running.server, -601) == []

    await drive(running, at(date(2026, 12, 1), 15, 0))
    await running.server.wait_for("sendMessage", lambda c: c.params["chat_id"] == -601)
    posted = vks_posts(running.server, -601)
    assert len(posted) == 1
    assert "Завтра в 08:38" in posted[0]["text"]
    assert "ЭЛН: &lt;новое&gt; в 2026" in posted[0]["text"]
    assert "https://vks.example.ru/838" in posted[0]["text"]
    buttons = button_texts(posted[0]["reply_markup"])
    assert buttons == [texts.BTN_ATTEND.format(count=0), texts.BTN_CALENDAR]
    # The unbound chat gets nothing: the date targets ЭЛН only.
    assert vks_posts(running.server, -602) == []

    # Running the same moment again (a restart, a double fire) sends nothing new.
    await drive(running, at(date(2026, 12, 1), 14, 0), at(date(2026, 12, 1), 15, 1))
    await drive(running, at(date(2026, 12, 2), 8, 8))
    posted = vks_posts(running.server, -601)
    assert len(posted) == 2
    assert "Через 30 минут" in posted[1]["text"]

    # "Буду участвовать": the count updates in place.
    seen = len(running.server.calls)
    await running.press(
        NURSE, VksCallback(action=VksAction.ATTEND, day="20261202").pack(), posted[1]
    )
    edited = await running.server.wait_for("editMessageReplyMarkup", after=seen)
    assert texts.BTN_ATTEND.format(count=1) in button_texts(edited.params["reply_markup"])


def _wednesday_holiday() -> date:
    return date(2026, 11, 4)


async def test_vks_holiday_cancelled_and_missing_topic(running: RunningBot) -> None:
    assert running.db is not None
    await add_to_group(running, -611, "Все")
    vks = VksRepo(running.db)
    holiday = _wednesday_holiday()
    assert is_holiday(holiday)
    await vks.set_field(holiday, "topic", "Праздничная тема", by=ADMIN.id)
    cancelled = date(2026, 11, 18)
    await vks.set_field(cancelled, "topic", "Отменённая тема", by=ADMIN.id)
    await vks.set_cancelled(cancelled, True, by=ADMIN.id)
    no_topic = date(2026, 11, 11)

    for day in (holiday, no_topic, cancelled):
        eve = day - timedelta(days=1)
        await drive(running, at(eve, 14, 0), at(eve, 15, 0), at(day, 8, 8))
    await asyncio.sleep(0.3)
    assert vks_posts(running.server, -611) == []
    assert await vks.outcomes(holiday) == {"d1@1500": "skipped_holiday", "m30": "skipped_holiday"}
    assert await vks.outcomes(cancelled) == {
        "d1@1500": "skipped_cancelled",
        "m30": "skipped_cancelled",
    }
    assert await vks.outcomes(no_topic) == {"d1@1500": "asked_topic", "m30": "asked_topic"}
    asked = [t for t in texts_in(running.server, ADMIN.id) if "тема не задана" in t]
    assert asked[0].startswith("⚠️ Пора напоминать о ВКС 8.38 11.11.2026")


async def test_vks_missed_reminder_is_skipped_and_reported(running: RunningBot) -> None:
    assert running.db is not None
    await add_to_group(running, -621, "Все")
    day = date(2026, 12, 9)
    await VksRepo(running.db).set_field(day, "topic", "Тема", by=ADMIN.id)
    # Down from 14:00 to 16:30: the 15:00 reminder is 90 min late, past the 60 min grace.
    await drive(running, at(day - timedelta(days=1), 14, 0), at(day - timedelta(days=1), 16, 30))
    assert await VksRepo(running.db).outcomes(day) == {"d1@1500": "missed"}
    told = [t for t in texts_in(running.server, ADMIN.id) if "не отправлено" in t]
    assert told
    assert vks_posts(running.server, -621) == []
    # Down from 07:30 to 08:20: the 08:08 reminder is 12 min late and goes out once, saying
    # the time that is really left.
    await drive(running, at(day, 7, 30), at(day, 8, 20))
    posted = vks_posts(running.server, -621)
    assert len(posted) == 1
    assert "Через 18 минут — ВКС 8.38" in posted[0]["text"]
    assert "30 мин" not in posted[0]["text"]


async def test_vks_topic_set_through_the_menu_and_ics(running: RunningBot) -> None:
    await make_methodist(running)
    listing = await running.say(METHODIST, "/vks")
    assert "среда, 08:38" in listing.params["text"]
    today = datetime.now(MSK).date()
    day = today + timedelta(days=(2 - today.weekday()) % 7 + 7)
    while is_holiday(day):
        day += timedelta(days=7)
    key = f"{day:%Y%m%d}"
    shown = last(running, METHODIST.id)
    seen = len(running.server.calls)
    await running.press(METHODIST, VksCallback(action=VksAction.OPEN, day=key).pack(), shown)
    card = await running.server.wait_for("editMessageText", after=seen)
    assert "Тема: — не задана" in card.params["text"]

    await tap(running, METHODIST, "Тема", method="sendMessage")
    bad = await running.say(METHODIST, "ab")
    assert bad.params["text"] == texts.VKS_FIELD_INVALID["topic"]
    sticker_reply = await running.push_and_wait("message", sticker(METHODIST), METHODIST.id)
    assert sticker_reply.params["text"] == texts.TEXT_EXPECTED
    saved = await running.say(METHODIST, "Выписка ЭЛН <b>по уходу</b>")
    assert "Тема: Выписка ЭЛН &lt;b&gt;по уходу&lt;/b&gt;" in saved.params["text"]

    seen = len(running.server.calls)
    await running.server.push_update("message", message(NURSE, f"/start ics_{key}"))
    sent = await running.server.wait_for("sendDocument", after=seen)
    assert sent.params["chat_id"] == NURSE.id
    name, content = running.server.uploads[-1]
    assert name == f"vks-838-{day:%Y-%m-%d}.ics"
    body = content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert f"DTSTART:{day:%Y%m%d}T053800Z" in body  # 08:38 in Moscow is 05:38 UTC
    assert "SUMMARY:ВКС 8.38: Выписка ЭЛН <b>по уходу</b>" in body


async def test_scheduler_jobs_are_built_from_the_database(running: RunningBot) -> None:
    scheduler = scheduler_of(running)
    runs = dict(scheduler.next_runs())
    reminders = sorted((t, k) for k, t in runs.items() if k.startswith("vks:") and "d1@1500" in k)
    first_at, first_key = reminders[0]
    local = first_at.astimezone(MSK)
    assert (local.weekday(), local.hour, local.minute) == (1, 15, 0)
    day = date.fromisoformat(first_key.split(":")[1])
    assert day == local.date() + timedelta(days=1)
    job = scheduler.aps.get_job(first_key)
    assert job.misfire_grace_time == 3600
    assert job.coalesce is True

    # Moving the slot moves the jobs.
    await running.say(ADMIN, "/vksslot чт 10:00")
    runs = dict(scheduler.next_runs())
    half_hour = sorted(t for k, t in runs.items() if k.startswith("vks:") and k.endswith("m30"))
    local = half_hour[0].astimezone(MSK)
    assert (local.weekday(), local.hour, local.minute) == (3, 9, 30)


async def test_recording_becomes_a_material_and_is_announced(running: RunningBot) -> None:
    await make_methodist(running)
    await add_to_group(running, -961, "ЭЛН")
    assert running.db is not None
    await ChatRepo(running.db).toggle_binding(-961, 0, "eln")
    today = datetime.now(MSK).date()
    day = today - timedelta(days=(today.weekday() - 2) % 7 or 7)  # the last Wednesday
    vks = VksRepo(running.db)
    await vks.set_field(day, "topic", "Листки нетрудоспособности", by=METHODIST.id)
    await vks.toggle_direction(day, "eln", by=METHODIST.id)

    await running.say(METHODIST, "/vks")
    shown = last(running, METHODIST.id)
    seen = len(running.server.calls)
    key = f"{day:%Y%m%d}"
    await running.press(METHODIST, VksCallback(action=VksAction.OPEN, day=key).pack(), shown)
    await running.server.wait_for("editMessageText", after=seen)
    await tap(running, METHODIST, texts.BTN_VKS_RECORDING, method="sendMessage")
    wrong = await running.push_and_wait("message", sticker(METHODIST), METHODIST.id)
    assert wrong.params["text"] == texts.VKS_RECORDING_INVALID
    video = {
        "file_id": "BAAC-vks-rec",
        "file_unique_id": "uniq-vks-rec",
        "width": 1280,
        "height": 720,
        "duration": 3600,
        "file_name": "vks.mp4",
        "mime_type": "video/mp4",
    }
    done = await running.push_and_wait("message", message(METHODIST, video=video), METHODIST.id)
    assert done.params["text"].startswith("Запись добавлена в каталог")

    post = await running.server.wait_for(
        "sendMessage", lambda c: c.params["chat_id"] == -961 and "Запись ВКС" in c.params["text"]
    )
    assert "Листки нетрудоспособности" in post.params["text"]
    material_id = (await vks.get(day)).recording_id
    assert material_id is not None
    buttons = post.params["reply_markup"]["inline_keyboard"]
    assert buttons[0][0]["url"] == f"https://t.me/mct_test_bot?start=m_{material_id}"
    found = await running.say(NURSE, "листки нетрудоспособности запись")
    assert "Запись ВКС 8.38" in found.params["text"]
