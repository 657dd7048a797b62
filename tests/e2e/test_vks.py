"""The VKS 8.38 end to end: the card form a methodologist clicks through (dates, a calendar,
topic, link, speaker, directions, cancel with a confirmation, preview, the recording), the
reminders on a driven clock, «Буду участвовать» and the .ics, with the bot polling the fake Bot
API exactly as it polls Telegram."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot import ui
from bot.scheduler import Scheduler
from catalog.schedule import is_holiday
from handlers.vks import texts
from handlers.vks.service import FUTURE_LIMIT
from storage.announcements import AnnouncementRepo
from storage.chats import ChatRepo
from storage.users import Role, UserRepo
from storage.vks import VksRepo
from tests.fakes.people import ADMIN, DOCTOR, NURSE, Person, bot_membership, group_chat
from tests.fakes.people import message as message_from
from tests.fakes.people import sticker as sticker_from
from tests.fakes.telegram_server import Call, FakeTelegram, Json
from tests.harness import RunningBot, button_texts, make_settings

MSK = ZoneInfo("Europe/Moscow")
METHODIST = DOCTOR
MONTHS = (
    "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь",
    "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь",
)  # fmt: skip


# -- helpers --------------------------------------------------------------------------------------


async def make_methodist(running: RunningBot) -> None:
    assert running.db is not None
    await UserRepo(running.db).set_role(METHODIST.id, Role.METHODOLOGIST, changed_by=None)


async def add_to_group(running: RunningBot, chat_id: int, title: str = "") -> Call:
    update = bot_membership(ADMIN, group_chat(chat_id, title), "member", running.server.bot_user)
    return await running.push_and_wait("my_chat_member", update, chat_id)


def scheduler_of(running: RunningBot) -> Scheduler:
    assert running.dp is not None
    scheduler = running.dp.workflow_data["scheduler"]
    assert isinstance(scheduler, Scheduler)
    return scheduler


async def drive(running: RunningBot, *moments: datetime) -> None:
    """Move the scheduler's clock through ``moments`` and let the engine drain the outbox."""
    scheduler = scheduler_of(running)
    for moment in moments:
        await scheduler.run_due(moment)
    assert running.db is not None
    outbox = AnnouncementRepo(running.db)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while await outbox.next_due_at() is not None:
        assert loop.time() < deadline, "the outbox never drained"
        await asyncio.sleep(0.05)
    await running.quiet()


def at(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=MSK)


def texts_in(server: FakeTelegram, chat_id: int) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in server.chat_messages(chat_id)]


def vks_posts(server: FakeTelegram, chat_id: int) -> list[Json]:
    return [m for m in server.chat_messages(chat_id) if "Тема:" in (m.get("text") or "")]


async def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def today() -> date:
    return datetime.now(MSK).date()


def a_free_wednesday(weeks_ahead: int = 1) -> date:
    """A Wednesday among the dates /vks shows (the next four), not a holiday."""
    now = today()
    day = now + timedelta(days=(2 - now.weekday()) % 7 + 7 * weeks_ahead)
    while is_holiday(day):
        day += timedelta(days=7)
    assert day <= now + timedelta(weeks=3)
    return day


async def click_and_see(running: RunningBot, person: Person, caption: str) -> Json:
    """Press a button as a person does; returns the message as it looks then."""
    answer = await running.click(person, caption)
    assert not answer.params.get("show_alert"), answer.params
    await running.quiet()
    return dict(running.shown(person))


async def type_in(
    running: RunningBot, person: Person, text: str | None = None, **extra: Any
) -> Json:
    """Send a message into the open form; returns the form's message once it is edited."""
    seen = len(running.server.calls)
    if text is None and not extra:
        payload = sticker_from(person)
    else:
        payload = message_from(person, text, **extra)
    await running.server.push_update("message", payload)
    await running.server.wait_for(
        "editMessageText", lambda c: c.params.get("chat_id") == person.id, after=seen
    )
    await running.quiet()
    return dict(running.shown(person))


async def open_card(running: RunningBot, day: date, status: str = texts.NO_TOPIC) -> Json:
    listing = await running.say(METHODIST, "/vks")
    assert "среда, 08:38" in listing.params["text"]
    return await click_and_see(running, METHODIST, texts.date_button(day, status))


def day_caption(day: date) -> str:
    """How the VKS calendar names a Wednesday."""
    if is_holiday(day):
        return f"🎉{day.day}"
    return f"[{day.day}]" if day == today() else str(day.day)


async def pick_in_calendar(running: RunningBot, day: date) -> Json:
    """«Другая дата», then the months to ``day``'s and the day itself."""
    shown = await click_and_see(running, METHODIST, texts.BTN_OTHER_DATE)
    month = date(today().year, today().month, 1)
    while (month.year, month.month) != (day.year, day.month):
        if (month.year, month.month) < (day.year, day.month):
            month = (month + timedelta(days=32)).replace(day=1)
            shown = await click_and_see(running, METHODIST, f"{MONTHS[month.month - 1]} »")
        else:
            month = (month - timedelta(days=1)).replace(day=1)
            shown = await click_and_see(running, METHODIST, f"« {MONTHS[month.month - 1]}")
        assert f"🗓 {MONTHS[month.month - 1]} {month.year}" in button_texts(shown["reply_markup"])
    return await click_and_see(running, METHODIST, day_caption(day))


async def vks_of(running: RunningBot, day: date) -> Any:
    assert running.db is not None
    return await VksRepo(running.db).get(day)


# -- the reminders --------------------------------------------------------------------------------


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
    assert "Длительность: до 60 минут." in posted[0]["text"]
    buttons = button_texts(posted[0]["reply_markup"])
    assert buttons == [texts.BTN_ATTEND.format(count=0), texts.BTN_CALENDAR]
    # The unbound chat gets nothing: the date targets ЭЛН only.
    assert vks_posts(running.server, -602) == []

    # Running the same moment again (a restart, a double fire) sends nothing new.
    await drive(running, at(date(2026, 12, 1), 14, 0), at(date(2026, 12, 1), 15, 1))
    await drive(running, at(date(2026, 12, 2), 8, 8))
    # One post a second into one chat: the second waits its turn.
    await wait_until(lambda: len(vks_posts(running.server, -601)) >= 2)
    await running.quiet()
    posted = vks_posts(running.server, -601)
    assert len(posted) == 2
    assert "Через 30 минут" in posted[1]["text"]

    # "Буду участвовать", pressed in the group: the count updates in place.
    seen = len(running.server.calls)
    answer = await running.click(NURSE, texts.BTN_ATTEND.format(count=0), chat_id=-601)
    assert answer.params["text"] == texts.ATTEND_ON
    edited = await running.server.wait_for("editMessageReplyMarkup", after=seen)
    assert texts.BTN_ATTEND.format(count=1) in button_texts(edited.params["reply_markup"])


async def test_vks_holiday_cancelled_and_missing_topic(running: RunningBot) -> None:
    assert running.db is not None
    await add_to_group(running, -611, "Все")
    vks = VksRepo(running.db)
    holiday = date(2026, 11, 4)
    assert is_holiday(holiday)
    await vks.set_field(holiday, "topic", "Праздничная тема", by=ADMIN.id)
    cancelled = date(2026, 11, 18)
    await vks.set_field(cancelled, "topic", "Отменённая тема", by=ADMIN.id)
    await vks.set_cancelled(cancelled, True, by=ADMIN.id)
    no_topic = date(2026, 11, 11)

    for day in (holiday, no_topic, cancelled):
        eve = day - timedelta(days=1)
        await drive(running, at(eve, 14, 0), at(eve, 15, 0), at(day, 8, 8))
    await running.quiet()
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
    moved = await running.say(ADMIN, "/vksslot чт 10:00")
    assert (
        moved.params["text"]
        == "Готово: ВКС теперь четверг, 10:00, 60 минут. Напоминания пересчитаны."
    )
    runs = dict(scheduler.next_runs())
    half_hour = sorted(t for k, t in runs.items() if k.startswith("vks:") and k.endswith("m30"))
    local = half_hour[0].astimezone(MSK)
    assert (local.weekday(), local.hour, local.minute) == (3, 9, 30)

    reminded = await running.say(ADMIN, "/vksremind 2д 10:00, 2ч, 45м")
    assert reminded.params["text"] == (
        "Готово: напоминания за 2 дня в 10:00, за 2 часа до начала, за 45 минут до начала."
    )
    usage = await running.say(ADMIN, "/vksremind когда-нибудь")
    assert usage.params["text"] == texts.REMIND_USAGE


# -- the card -------------------------------------------------------------------------------------


async def test_vks_topic_set_through_the_menu_and_ics(running: RunningBot) -> None:
    await make_methodist(running)
    listing = await running.say(METHODIST, "/vks")
    assert "среда, 08:38" in listing.params["text"]
    form = running.shown(METHODIST)["message_id"]
    day = a_free_wednesday()
    card = await click_and_see(running, METHODIST, texts.date_button(day, texts.NO_TOPIC))
    assert "Тема: — не задана" in card["text"]
    assert button_texts(card["reply_markup"])[-2:] == [ui.BTN_BACK, ui.BTN_CANCEL]

    asked = await click_and_see(running, METHODIST, texts.BTN_TOPIC)
    assert texts.ASK_FIELD["topic"].format(day=f"{day:%d.%m}") in asked["text"]
    assert button_texts(asked["reply_markup"]) == [ui.BTN_BACK, ui.BTN_CANCEL]
    bad = await type_in(running, METHODIST, "ab")
    assert texts.FIELD_INVALID["topic"] in bad["text"]
    sticker_reply = await type_in(running, METHODIST)
    assert ui.TEXT_EXPECTED in sticker_reply["text"]
    saved = await type_in(running, METHODIST, "Выписка ЭЛН <b>по уходу</b>")
    assert "Тема: Выписка ЭЛН &lt;b&gt;по уходу&lt;/b&gt;" in saved["text"]
    assert texts.SAVED["topic"] in saved["text"]
    # Every step was the same message, edited.
    assert {asked["message_id"], bad["message_id"], saved["message_id"]} == {form}
    assert [m["message_id"] for m in running.server.chat_messages(METHODIST.id)] == [form]

    seen = len(running.server.calls)
    await running.server.push_update("message", message_from(NURSE, f"/start ics_{day:%Y%m%d}"))
    sent = await running.server.wait_for("sendDocument", after=seen)
    assert sent.params["chat_id"] == NURSE.id
    name, content = running.server.uploads[-1]
    assert name == f"vks-838-{day:%Y-%m-%d}.ics"
    body = content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert f"DTSTART:{day:%Y%m%d}T053800Z" in body  # 08:38 in Moscow is 05:38 UTC
    unfolded = body.replace("\r\n ", "")
    assert "SUMMARY:ВКС 8.38: Выписка ЭЛН <b>по уходу</b>" in unfolded
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "ВКС 8.38: Выписка ЭЛН <b>по уходу</b>"
    assert str(event["UID"]) == f"vks-{day:%Y%m%d}@mct-vologda"
    assert event.walk("VALARM")

    # A date nobody planned, a forged one: no invitation.
    for forged in (f"ics_{a_free_wednesday(2):%Y%m%d}", "ics_20201301"):
        unknown = await running.say(NURSE, f"/start {forged}")
        assert unknown.params["text"] == texts.ICS_UNKNOWN


async def test_a_menu_button_a_command_or_a_deep_link_is_never_taken_as_the_topic(
    running: RunningBot,
) -> None:
    await make_methodist(running)
    day = a_free_wednesday()
    await open_card(running, day)
    step = await click_and_see(running, METHODIST, texts.BTN_TOPIC)

    # «🔎 Поиск» is the search's button: its prompt comes, and the topic stays unset.
    hint = await running.say(METHODIST, ui.BTN_SEARCH_HINT)
    assert "Тема" not in hint.params["text"]
    assert (await vks_of(running, day)).topic is None
    # The form left behind has no live buttons.
    assert not running.server.messages[(METHODIST.id, step["message_id"])].get("reply_markup")

    # /vks again goes on at the topic step; a deep link and a command leave it again.
    resumed = await running.say(METHODIST, "/vks")
    assert texts.ASK_FIELD["topic"].format(day=f"{day:%d.%m}") in resumed.params["text"]
    await running.say(METHODIST, "/start m_999999")
    await running.say(METHODIST, "/help")
    await running.say(METHODIST, ui.BTN_CATALOG)
    assert (await vks_of(running, day)).topic is None
    assert not (await vks_of(running, day)).link

    await running.say(METHODIST, "/vks")
    saved = await type_in(running, METHODIST, "Листки нетрудоспособности: что нового")
    assert "Тема: Листки нетрудоспособности: что нового" in saved["text"]
    assert (await vks_of(running, day)).topic == "Листки нетрудоспособности: что нового"


async def test_cancelling_a_vks_asks_first_and_can_be_undone(running: RunningBot) -> None:
    await make_methodist(running)
    day = a_free_wednesday()
    assert running.db is not None
    await VksRepo(running.db).set_field(day, "topic", "Кадровый учёт", by=METHODIST.id)
    card = await open_card(running, day, f"{texts.READY} Кадровый учёт")
    assert texts.BTN_RESTORE_VKS not in button_texts(card["reply_markup"])
    # Typed where a button is asked for: a hint in the same message, nothing changes.
    typed = await type_in(running, METHODIST, "отменить")
    assert ui.BUTTONS_EXPECTED in typed["text"]
    assert typed["message_id"] == card["message_id"]
    assert not (await vks_of(running, day)).cancelled

    asked = await click_and_see(running, METHODIST, texts.BTN_CANCEL_VKS)
    assert f"Отменить ВКС {day:%d.%m} «Кадровый учёт»?" in asked["text"]
    assert button_texts(asked["reply_markup"]) == [texts.BTN_CANCEL_YES, ui.BTN_BACK, ui.BTN_CANCEL]
    assert not (await vks_of(running, day)).cancelled
    # Back: nothing happened.
    back = await click_and_see(running, METHODIST, ui.BTN_BACK)
    assert "ВКС отменена" not in back["text"]
    assert not (await vks_of(running, day)).cancelled

    await click_and_see(running, METHODIST, texts.BTN_CANCEL_VKS)
    done = await click_and_see(running, METHODIST, texts.BTN_CANCEL_YES)
    assert texts.CANCELLED_DONE.format(day=f"{day:%d.%m}") in done["text"]
    assert "❌ ВКС отменена: напоминаний не будет." in done["text"]
    assert texts.BTN_RESTORE_VKS in button_texts(done["reply_markup"])
    assert texts.BTN_CANCEL_VKS not in button_texts(done["reply_markup"])
    assert (await vks_of(running, day)).cancelled

    restored = await click_and_see(running, METHODIST, texts.BTN_RESTORE_VKS)
    assert texts.RESTORED_DONE.format(day=f"{day:%d.%m}") in restored["text"]
    assert not (await vks_of(running, day)).cancelled
    listing = await click_and_see(running, METHODIST, ui.BTN_BACK)
    assert texts.date_button(day, f"{texts.READY} Кадровый учёт") in button_texts(
        listing["reply_markup"]
    )


async def test_directions_link_and_speaker_each_in_a_step(running: RunningBot) -> None:
    await make_methodist(running)
    day = a_free_wednesday()
    await open_card(running, day)

    picker = await click_and_see(running, METHODIST, texts.BTN_DIRECTIONS)
    assert texts.DIRECTIONS_PICK.format(day=f"{day:%d.%m}") in picker["text"]
    await click_and_see(running, METHODIST, "ЭЛН")
    ticked = await click_and_see(running, METHODIST, "ЛИС")
    assert {"✅ ЭЛН", "✅ ЛИС"} <= set(button_texts(ticked["reply_markup"]))
    unticked = await click_and_see(running, METHODIST, "✅ ЛИС")
    assert "ЛИС" in button_texts(unticked["reply_markup"])
    card = await click_and_see(running, METHODIST, ui.BTN_DONE)
    assert "Кому: ЭЛН" in card["text"]
    assert texts.DIRECTIONS_SAVED in card["text"]
    assert (await vks_of(running, day)).directions == ("eln",)
    # Opened again, it shows what the date has; Back leaves it as it was.
    again = await click_and_see(running, METHODIST, texts.BTN_DIRECTIONS)
    assert "✅ ЭЛН" in button_texts(again["reply_markup"])
    await click_and_see(running, METHODIST, "ЛИС")
    await click_and_see(running, METHODIST, ui.BTN_BACK)
    assert (await vks_of(running, day)).directions == ("eln",)

    await click_and_see(running, METHODIST, texts.BTN_LINK)
    wrong = await type_in(running, METHODIST, "vks.example.ru/838")
    assert texts.FIELD_INVALID["link"] in wrong["text"]
    card = await type_in(running, METHODIST, "https://vks.example.ru/838?id=1&x=2")
    assert "Ссылка: https://vks.example.ru/838?id=1&amp;x=2" in card["text"]
    step = await click_and_see(running, METHODIST, texts.BTN_LINK)
    assert "Сейчас: https://vks.example.ru/838?id=1&amp;x=2" in step["text"]
    cleared = await click_and_see(running, METHODIST, texts.BTN_CLEAR_LINK)
    assert "Ссылка: —" in cleared["text"]
    assert texts.CLEARED["link"] in cleared["text"]
    assert (await vks_of(running, day)).link is None

    step = await click_and_see(running, METHODIST, texts.BTN_SPEAKER)
    assert texts.BTN_CLEAR_SPEAKER not in button_texts(step["reply_markup"])
    too_long = await type_in(running, METHODIST, "И" * 151)
    assert texts.FIELD_INVALID["speaker"] in too_long["text"]
    card = await type_in(running, METHODIST, "Иванова И. И., <главный> специалист")
    assert "Спикер: Иванова И. И., &lt;главный&gt; специалист" in card["text"]
    await click_and_see(running, METHODIST, texts.BTN_SPEAKER)
    card = await type_in(running, METHODIST, "-")
    assert "Спикер: —" in card["text"]
    assert (await vks_of(running, day)).speaker is None


async def test_preview_shows_the_first_reminder_as_it_will_read(running: RunningBot) -> None:
    await make_methodist(running)
    day = a_free_wednesday()
    await open_card(running, day)
    refused = await running.click(METHODIST, texts.BTN_PREVIEW)
    assert refused.params["text"] == texts.NEEDS_TOPIC
    assert refused.params["show_alert"] is True
    refused = await running.click(METHODIST, texts.BTN_RECORDING)
    assert refused.params["text"] == texts.NEEDS_TOPIC

    await click_and_see(running, METHODIST, texts.BTN_TOPIC)
    await type_in(running, METHODIST, "ЭЛН & больничные")
    preview = await click_and_see(running, METHODIST, texts.BTN_PREVIEW)
    eve = day - timedelta(days=1)
    assert texts.PREVIEW_HEAD.format(when=f"{eve:%d.%m} в 15:00") in preview["text"]
    assert "📅 Завтра в 08:38 — ВКС 8.38" in preview["text"]
    assert "Тема: <b>ЭЛН &amp; больничные</b>" in preview["text"]
    assert button_texts(preview["reply_markup"]) == [ui.BTN_BACK, ui.BTN_CANCEL]
    back = await click_and_see(running, METHODIST, ui.BTN_BACK)
    assert "Тема: ЭЛН &amp; больничные" in back["text"]
    closed = await click_and_see(running, METHODIST, ui.BTN_CANCEL)
    assert not closed.get("reply_markup")


async def test_the_calendar_offers_the_vks_days_of_a_year(running: RunningBot) -> None:
    await make_methodist(running)
    await running.say(METHODIST, "/vks")
    shown = await click_and_see(running, METHODIST, texts.BTN_OTHER_DATE)
    captions = button_texts(shown["reply_markup"])
    now = today()
    assert f"🗓 {MONTHS[now.month - 1]} {now.year}" in captions
    assert captions[1:8] == ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"]
    assert "·" in captions  # other weekdays
    assert captions[-2:] == [ui.BTN_BACK, ui.BTN_CANCEL]

    # A day that is not a Wednesday gets a hint, and the calendar stays.
    hint = await click_and_see(running, METHODIST, "·")
    assert "ВКС проходит по средам: выберите среду." in hint["text"]
    assert "·" in button_texts(hint["reply_markup"])

    # A Wednesday that is a public holiday is marked, and its card says so.
    holiday = next(
        (
            d
            for d in (now + timedelta(days=i) for i in range(FUTURE_LIMIT.days))
            if d.weekday() == 2 and is_holiday(d)
        ),
        None,
    )
    if holiday is not None:
        await click_and_see(running, METHODIST, ui.BTN_BACK)
        card = await pick_in_calendar(running, holiday)
        assert "🎉 Нерабочий день (" in card["text"]
        assert "напоминаний не будет" in card["text"]
        listing = await click_and_see(running, METHODIST, ui.BTN_BACK)
        assert texts.BTN_OTHER_DATE in button_texts(listing["reply_markup"])


async def test_recording_becomes_a_material_and_is_announced(running: RunningBot) -> None:
    await make_methodist(running)
    await add_to_group(running, -961, "ЭЛН")
    assert running.db is not None
    await ChatRepo(running.db).toggle_binding(-961, 0, "eln")
    now = today()
    day = now - timedelta(days=(now.weekday() - 2) % 7 or 7)  # the last Wednesday
    vks = VksRepo(running.db)
    await vks.set_field(day, "topic", "Листки нетрудоспособности", by=METHODIST.id)
    await vks.toggle_direction(day, "eln", by=METHODIST.id)

    await running.say(METHODIST, "/vks")
    card = await pick_in_calendar(running, day)
    assert "Тема: Листки нетрудоспособности" in card["text"]
    asked = await click_and_see(running, METHODIST, texts.BTN_RECORDING)
    assert texts.ASK_RECORDING.format(day=f"{day:%d.%m}") in asked["text"]
    wrong = await type_in(running, METHODIST)
    assert texts.RECORDING_INVALID in wrong["text"]
    not_a_link = await type_in(running, METHODIST, "запись будет позже")
    assert texts.RECORDING_INVALID in not_a_link["text"]
    video = {
        "file_id": "BAAC-vks-rec",
        "file_unique_id": "uniq-vks-rec",
        "width": 1280,
        "height": 720,
        "duration": 3600,
        "file_name": "vks.mp4",
        "mime_type": "video/mp4",
    }
    done = await type_in(running, METHODIST, video=video)
    assert "Запись добавлена в каталог" in done["text"]
    assert "объявление отправляется: 1 получатель." in done["text"]

    post = await running.server.wait_for(
        "sendMessage", lambda c: c.params["chat_id"] == -961 and "Запись ВКС" in c.params["text"]
    )
    assert "Листки нетрудоспособности" in post.params["text"]
    material_id = (await vks.get(day)).recording_id
    assert material_id is not None
    assert f"Запись: материал №{material_id}" in done["text"]
    buttons = post.params["reply_markup"]["inline_keyboard"]
    assert buttons[0][0]["url"] == f"https://t.me/mct_test_bot?start=m_{material_id}"
    found = await running.say(NURSE, "листки нетрудоспособности запись")
    assert "Запись ВКС 8.38" in found.params["text"]

    # Once per date: a second recording is refused, nothing is announced twice.
    again = await running.click(METHODIST, texts.BTN_RECORDING)
    assert again.params["text"] == texts.RECORDING_EXISTS.format(id=material_id)
    await running.quiet()
    assert len([t for t in texts_in(running.server, -961) if "Запись ВКС" in t]) == 1


async def test_the_card_survives_a_restart(server: FakeTelegram, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, telegram_api_url=server.url)
    running = await RunningBot(server, settings).start()
    day = a_free_wednesday()
    try:
        await make_methodist(running)
        await open_card(running, day)
        await click_and_see(running, METHODIST, texts.BTN_TOPIC)
    finally:
        await running.stop()
    running = await RunningBot(server, settings).start()
    try:
        # Typed after the restart, the answer is taken for the step on the screen.
        saved = await type_in(running, METHODIST, "Отчётность по ВМП")
        assert "Тема: Отчётность по ВМП" in saved["text"]
        # And the buttons on the screen work.
        step = await click_and_see(running, METHODIST, texts.BTN_LINK)
        assert texts.ASK_FIELD["link"].format(day=f"{day:%d.%m}") in step["text"]
    finally:
        await running.stop()


async def test_only_methodologists_press_the_card(running: RunningBot) -> None:
    refused = await running.say(NURSE, "/vks")
    assert refused.params["text"] == ui.REFUSED.format(role="методист")
    await make_methodist(running)
    day = a_free_wednesday()
    await open_card(running, day)
    # The role is taken away mid-form: the next press is refused, and nothing changes.
    assert running.db is not None
    await UserRepo(running.db).set_role(METHODIST.id, Role.STAFF, changed_by=ADMIN.id)
    answer = await running.click(METHODIST, texts.BTN_CANCEL_VKS)
    assert answer.params["text"] == ui.REFUSED.format(role="методист")
    assert not (await vks_of(running, day)).cancelled


async def test_vks_commands_in_a_group_say_where_the_card_is(running: RunningBot) -> None:
    await make_methodist(running)
    group = group_chat(-1001778, "Методисты")
    for command in ("/vks", "/vksslot чт 10:00"):
        answer = await running.push_and_wait(
            "message", message_from(METHODIST, command, chat=group), -1001778
        )
        assert answer.params["text"] == texts.IN_GROUP
    # The slot was not changed from the group.
    listing = await running.say(METHODIST, "/vks")
    assert "среда, 08:38" in listing.params["text"]
