"""Training requests end to end: the real bot polls the fake Bot API, a tutor fills the form
with buttons and text as a person does (the form is one message that is edited), methodologists
review it in their own forms, and the scheduler's clock is driven."""

from __future__ import annotations

import io
from copy import deepcopy
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from bot import ui
from catalog.requests import Action, Format, Status, add_working_days
from handlers.requests import texts
from handlers.requests.callbacks import CardAction, CardCallback, MineAction, MineCallback
from handlers.requests.service import sla_due
from storage.db import Database
from storage.requests import RequestRepo, SessionInput, SessionRepo
from storage.users import Role, UserRepo
from tests.e2e.helpers import add_to_group, scheduler_of, wait_until
from tests.fakes.people import (
    DOCTOR,
    NURSE,
    Person,
    message,
    sticker,
)
from tests.fakes.telegram_server import Call, FakeTelegram, Json
from tests.harness import RunningBot, button_data, button_texts, make_settings

MSK = ZoneInfo("Europe/Moscow")
TUTOR = Person(4004, "Мария", "maria_tutor", "Иванова")
METHODIST = DOCTOR


def _db(running: RunningBot) -> Database:
    assert running.db is not None
    return running.db


async def give_roles(running: RunningBot) -> None:
    users = UserRepo(_db(running))
    # People become known to the bot by writing to it first.
    await running.say(TUTOR, "/start")
    await running.say(METHODIST, "/start")
    await users.set_role(TUTOR.id, Role.TUTOR, changed_by=None)
    await users.set_role(METHODIST.id, Role.METHODOLOGIST, changed_by=None)


def latest(running: RunningBot, chat_id: int) -> Json:
    return running.server.chat_messages(chat_id)[-1]


def shown_text(running: RunningBot, person: Person) -> str:
    return str(running.shown(person).get("text") or "")


def shown_buttons(running: RunningBot, person: Person) -> list[str]:
    return button_texts(running.shown(person).get("reply_markup"))


async def type_in(running: RunningBot, person: Person, text: str) -> str:
    """Type an answer into the open form; returns what the form's message says now (it is
    edited: the person's message goes, the form stays one message)."""
    await running.server.push_update("message", message(person, text))
    await running.quiet()
    return shown_text(running, person)


async def tap(running: RunningBot, person: Person, caption: str, chat_id: int = 0) -> Call:
    """Press ``caption`` on the newest message that has it, as a person does; waits until the
    bot is done; returns the answer to the press."""
    answer = await running.click(person, caption, chat_id or None)
    await running.quiet()
    return answer


async def said_to(running: RunningBot, chat_id: int, fragment: str, after: int = 0) -> Call:
    return await running.server.wait_for(
        "sendMessage",
        lambda c: c.params.get("chat_id") == chat_id and fragment in c.params.get("text", ""),
        after=after,
    )


async def edited_to(running: RunningBot, chat_id: int, fragment: str, after: int = 0) -> Call:
    return await running.server.wait_for(
        "editMessageText",
        lambda c: c.params.get("chat_id") == chat_id and fragment in c.params.get("text", ""),
        after=after,
    )


def today() -> date:
    return datetime.now(MSK).date()


def preferred_days() -> tuple[date, date]:
    start = today() + timedelta(days=7)
    return start, start + timedelta(days=2)


async def fill_form(running: RunningBot, contact: str = "Иванова Мария, 8 921 123-45-67") -> None:
    """The whole form by buttons and text, up to the summary."""
    first = await running.say(TUTOR, ui.BTN_REQUEST)
    assert "шаг 1 из 8" in first.params["text"]
    await type_in(running, TUTOR, "сокольская")
    assert "Сокольская ЦРБ" in shown_buttons(running, TUTOR)
    await tap(running, TUTOR, "Сокольская ЦРБ")
    assert "шаг 2 из 8" in shown_text(running, TUTOR)
    await tap(running, TUTOR, "ЭЛН")
    await tap(running, TUTOR, texts.FORMAT_TITLES["webinar"])
    await tap(running, TUTOR, "врачи")
    await tap(running, TUTOR, "медсёстры")
    assert "✅ врачи" in shown_buttons(running, TUTOR)
    await tap(running, TUTOR, ui.BTN_DONE)
    assert texts.ASK_PARTICIPANTS in shown_text(running, TUTOR)
    await type_in(running, TUTOR, "25")
    start, end = preferred_days()
    understood = await type_in(running, TUTOR, f"{start:%d.%m}–{end:%d.%m}")
    assert texts.DATES_UNDERSTOOD.format(dates=texts.date_range(start, end)) in understood
    assert texts.ASK_CONTACT in understood
    await type_in(running, TUTOR, contact)
    await type_in(running, TUTOR, "Нужен разбор закрытия ЭЛН")
    assert "Проверьте заявку" in shown_text(running, TUTOR)


async def submit(running: RunningBot) -> int:
    answer = await tap(running, TUTOR, texts.BTN_SUBMIT)
    assert not answer.params.get("show_alert")
    done = shown_text(running, TUTOR)
    assert "отправлена методистам" in done
    assert not shown_buttons(running, TUTOR)
    return int(done.split("№")[1].split()[0])


def card_in(running: RunningBot, chat_id: int, number: int) -> Json:
    return next(
        m
        for m in reversed(running.server.chat_messages(chat_id))
        if f"Заявка №{number}</b>" in (m.get("text") or "")
    )


async def card_for(running: RunningBot, chat_id: int, number: int, fragment: str = "") -> Json:
    call = await said_to(running, chat_id, f"Заявка №{number}</b>")
    assert fragment in call.params["text"]
    return card_in(running, chat_id, number)


async def press_on(running: RunningBot, person: Person, shown: Json, caption: str) -> Call:
    answer = await running.press(person, button_data(shown["reply_markup"], caption), shown)
    await running.quiet()
    return answer


# -- the form ---------------------------------------------------------------------------------


async def test_form_by_buttons_and_text_with_an_edit_from_the_summary(
    running: RunningBot,
) -> None:
    await give_roles(running)
    await fill_form(running)
    summary = shown_text(running, TUTOR)
    assert "Сокольская центральная районная больница" in summary
    assert "📚 Направление: ЭЛН" in summary
    assert "врачи, медсёстры" in summary
    assert "Участников: 25" in summary
    # The phone as people write it, not as it is stored.
    assert "Иванова Мария, +7 921 123-45-67" in summary
    assert texts.CONSENT in summary

    # Any field can be changed from the summary, and the summary comes back.
    await tap(running, TUTOR, "🔢 Участники")
    assert "Участников: 30" in await type_in(running, TUTOR, "30")
    number = await submit(running)

    stored = await RequestRepo(_db(running)).get(number)
    assert stored is not None
    assert (stored.participants, stored.contact_phone) == (30, "+79211234567")
    assert stored.status is Status.NEW
    # No staff chat is configured: the methodologist gets the card in private, contacts on it.
    card = await card_for(running, METHODIST.id, number, "+7 921 123-45-67")
    assert texts.BTN_TAKE in button_texts(card["reply_markup"])
    # The reminder for a request left waiting is scheduled with it.
    scheduler = scheduler_of(running)

    def reminders() -> list[str]:
        return [k for k, _ in scheduler.next_runs() if k.startswith(f"sla:{number}:")]

    assert reminders() == [f"sla:{number}:{stored.touched_at}"]
    # Sent again, the request is counted from then, and only from then.
    later = "2030-01-02T03:04:05+00:00"
    scheduler.schedule(sla_due(number, later, 2, MSK), replacing=f"sla:{number}:")
    assert reminders() == [f"sla:{number}:2030-01-02T03:04:05+00:00"]
    mine = await running.say(TUTOR, ui.BTN_MY_REQUESTS)
    assert f"№{number} · {texts.REQUEST_STATUS['new']}" in mine.params["text"]
    # The МО is remembered for the next request.
    again = await running.say(TUTOR, "/request")
    assert "Сокольская" in again.params["text"]
    assert texts.BTN_KEEP_ORG.format(org="Сокольская ЦРБ") in button_texts(
        again.params["reply_markup"]
    )


async def test_every_wrong_answer_gets_a_hint_and_keeps_the_step(running: RunningBot) -> None:
    await give_roles(running)
    await running.say(TUTOR, "/request")
    unknown = await type_in(running, TUTOR, "несуществующая больница")
    assert "Не нашёл МО" in unknown
    await type_in(running, TUTOR, "сокольская")
    await tap(running, TUTOR, "Сокольская ЦРБ")
    # Text where a button is due.
    hint = await type_in(running, TUTOR, "ЭЛН")
    assert ui.BUTTONS_EXPECTED in hint
    assert "шаг 2 из 8" in hint
    await tap(running, TUTOR, "ЭЛН")
    await tap(running, TUTOR, texts.FORMAT_TITLES["vks"])
    empty = await tap(running, TUTOR, ui.BTN_DONE)
    assert empty.params["text"] == texts.AUDIENCE_EMPTY
    await tap(running, TUTOR, "статистики")
    await tap(running, TUTOR, ui.BTN_DONE)
    for wrong in ("0", "501", "много"):
        reply = await type_in(running, TUTOR, wrong)
        assert texts.PARTICIPANTS_INVALID in reply
    await running.server.push_update("message", sticker(TUTOR))
    await running.quiet()
    assert ui.TEXT_EXPECTED in shown_text(running, TUTOR)
    await type_in(running, TUTOR, "12")
    reply = await type_in(running, TUTOR, "вчера")
    assert "Не понял даты" in reply
    reply = await type_in(running, TUTOR, "в следующем месяце")
    assert texts.ASK_CONTACT in reply
    for wrong in ("Иванова Мария, 12-34", "+1 202 555 0100", "8 921 123-45-67"):
        reply = await type_in(running, TUTOR, wrong)
        assert texts.CONTACT_INVALID in reply
    reply = await type_in(running, TUTOR, "x" * 4000)
    assert texts.CONTACT_INVALID in reply
    reply = await type_in(running, TUTOR, "Петрова Анна +7 8172 12-34-56")
    assert texts.ASK_COMMENT in reply
    reply = await type_in(running, TUTOR, "к" * 1001)
    assert texts.text_too_long(1000) in reply
    await tap(running, TUTOR, texts.BTN_NO_COMMENT)
    summary = shown_text(running, TUTOR)
    assert "Участников: 12" in summary
    assert "(8172) 12-34-56" in summary
    assert "Комментарий: —" in summary
    # Nothing was filed by all of that, and the form stayed one message.
    assert await RequestRepo(_db(running)).for_user(TUTOR.id) == []
    steps = ("Заявка на обучение", "Проверьте заявку")
    forms = [
        m
        for m in running.server.chat_messages(TUTOR.id)
        if any(s in m.get("text", "") for s in steps)
    ]
    assert len(forms) == 1


async def test_back_and_cancel_in_the_middle(running: RunningBot) -> None:
    await give_roles(running)
    await running.say(TUTOR, "/request")
    await type_in(running, TUTOR, "сокольская")
    await tap(running, TUTOR, "Сокольская ЦРБ")
    await tap(running, TUTOR, "ЭЛН")
    await tap(running, TUTOR, ui.BTN_BACK)
    assert texts.ASK_TOPIC in shown_text(running, TUTOR)
    await tap(running, TUTOR, "ЛИС")
    await tap(running, TUTOR, texts.FORMAT_TITLES["centre"])
    await tap(running, TUTOR, "ИТ-специалисты")
    await tap(running, TUTOR, ui.BTN_DONE)
    # Back from a typed step too, with the choices kept; «Назад» typed works as well.
    await type_in(running, TUTOR, "Назад")
    assert texts.ASK_AUDIENCE in shown_text(running, TUTOR)
    assert "✅ ИТ-специалисты" in shown_buttons(running, TUTOR)
    await tap(running, TUTOR, ui.BTN_DONE)
    await tap(running, TUTOR, ui.BTN_BACK)
    assert texts.ASK_AUDIENCE in shown_text(running, TUTOR)
    assert "✅ ИТ-специалисты" in shown_buttons(running, TUTOR)
    before = deepcopy(running.shown(TUTOR))
    await tap(running, TUTOR, ui.BTN_CANCEL)
    assert shown_text(running, TUTOR) == ui.CANCELLED
    assert not shown_buttons(running, TUTOR)
    # The old buttons no longer change anything.
    stale = await running.press(TUTOR, button_data(before["reply_markup"], ui.BTN_DONE), before)
    assert stale.params["text"] == ui.STALE_BUTTON
    search = await running.say(TUTOR, "12")
    assert texts.ASK_DATES[:20] not in search.params["text"]
    # /cancel too: the form's buttons go, and what is typed is not taken for an answer.
    await running.say(TUTOR, "/request")
    await running.say(TUTOR, "/cancel")
    assert not button_texts(card_like(running, "шаг 1 из 8").get("reply_markup"))
    search = await running.say(TUTOR, "сокольская")
    assert "шаг 1 из 8" not in search.params["text"]


def card_like(running: RunningBot, fragment: str) -> Json:
    return next(
        m
        for m in reversed(running.server.chat_messages(TUTOR.id))
        if fragment in (m.get("text") or "")
    )


async def test_a_restart_in_the_middle_of_the_form_continues(
    server: FakeTelegram, tmp_path: Path
) -> None:
    running = await RunningBot(server, make_settings(tmp_path, telegram_api_url=server.url)).start()
    try:
        await give_roles(running)
        await running.say(TUTOR, "/request")
        await type_in(running, TUTOR, "сокольская")
        await tap(running, TUTOR, "Сокольская ЦРБ")
        await tap(running, TUTOR, "ЭЛН")
        await tap(running, TUTOR, texts.FORMAT_TITLES["desant"])
        await tap(running, TUTOR, "руководители")
        await tap(running, TUTOR, ui.BTN_DONE)
        await running.stop()
        await running.start()
        reply = await type_in(running, TUTOR, "40")
        assert "шаг 6 из 8" in reply
        await type_in(running, TUTOR, "в следующем месяце")
        await type_in(running, TUTOR, "Иванова Мария, 89211234567")
        await tap(running, TUTOR, texts.BTN_NO_COMMENT)
        summary = shown_text(running, TUTOR)
        assert "Участников: 40" in summary
        assert "выездной «МЦТ-десант»" in summary
        number = await submit(running)
        stored = await RequestRepo(_db(running)).get(number)
        assert stored is not None
        assert stored.format is Format.DESANT
    finally:
        await running.stop()


async def test_commands_deep_links_and_menu_labels_are_never_answers(
    running: RunningBot,
) -> None:
    await give_roles(running)
    await running.say(TUTOR, "/request")
    await type_in(running, TUTOR, "сокольская")
    await tap(running, TUTOR, "Сокольская ЦРБ")
    await tap(running, TUTOR, "ЭЛН")
    await tap(running, TUTOR, texts.FORMAT_TITLES["vks"])
    await tap(running, TUTOR, "врачи")
    await tap(running, TUTOR, ui.BTN_DONE)
    # A menu label mid-form is the menu's: the search prompt, not a head count.
    hint = await running.say(TUTOR, ui.BTN_SEARCH_HINT)
    assert texts.PARTICIPANTS_INVALID not in hint.params["text"]
    # The form is left with its draft: opened again, it goes on at the same step.
    resumed = await running.say(TUTOR, ui.BTN_REQUEST)
    assert "шаг 5 из 8" in resumed.params["text"]
    assert "Продолжаем" in resumed.params["text"]
    await type_in(running, TUTOR, "7")
    # A deep link is not taken for dates.
    await running.say(TUTOR, "/start m_5")
    resumed = await running.say(TUTOR, "/request")
    assert "шаг 6 из 8" in resumed.params["text"]
    await type_in(running, TUTOR, "завтра")
    await type_in(running, TUTOR, "Иванова Мария, 89211234567")
    await running.say(TUTOR, "/help")
    await running.say(TUTOR, ui.BTN_REQUEST)
    summary = await type_in(running, TUTOR, "Обсудить ЛВН")
    assert "Участников: 7" in summary
    assert "/start" not in summary
    assert "Поиск" not in summary
    assert "Комментарий: Обсудить ЛВН" in summary


async def test_dates_from_the_calendar_and_in_words(running: RunningBot) -> None:
    await give_roles(running)
    await running.say(TUTOR, "/request")
    await type_in(running, TUTOR, "сокольская")
    await tap(running, TUTOR, "Сокольская ЦРБ")
    await tap(running, TUTOR, "ЭЛН")
    await tap(running, TUTOR, texts.FORMAT_TITLES["vks"])
    await tap(running, TUTOR, "врачи")
    await tap(running, TUTOR, ui.BTN_DONE)
    prompt = await type_in(running, TUTOR, "20")
    # The examples are today's, not a fixed date.
    assert texts.date_examples(today()) in prompt
    # Today is not a date one may ask for: from tomorrow on, typed as in the calendar.
    refused = await type_in(running, TUTOR, f"{today():%d.%m}")
    assert "Не понял даты" in refused
    said = await type_in(running, TUTOR, "в пятницу утром")
    friday = today() + timedelta(days=(4 - today().weekday() - 1) % 7 + 1)
    assert texts.date_range(friday, friday, "утром") in said
    await tap(running, TUTOR, ui.BTN_BACK)
    # The calendar: a first day, then «Только этот день».
    day = today() + timedelta(days=3)
    if day.month != today().month:
        await tap(running, TUTOR, f"{texts_month(day)} ▶️")
    await tap(running, TUTOR, str(day.day))
    assert "Начало:" in shown_text(running, TUTOR)
    assert f"•{day.day}•" in shown_buttons(running, TUTOR)
    await tap(running, TUTOR, texts.BTN_ONE_DAY)
    assert texts.date_range(day, day) in shown_text(running, TUTOR)


def texts_month(day: date) -> str:
    from bot.calendar import MONTHS

    return MONTHS[day.month - 1]


async def test_a_landline_with_its_code_is_kept_whole_and_shown_formatted(
    running: RunningBot,
) -> None:
    await give_roles(running)
    await fill_form(running, contact="Петров Иван, (8172) 72-00-11")
    assert "Петров Иван, (8172) 72-00-11" in shown_text(running, TUTOR)
    number = await submit(running)
    stored = await RequestRepo(_db(running)).get(number)
    assert stored is not None
    assert (stored.contact_name, stored.contact_phone) == ("Петров Иван", "+78172720011")
    await card_for(running, METHODIST.id, number, "Петров Иван, (8172) 72-00-11")


async def test_the_mo_lookup_takes_a_typo_and_the_wrong_layout(running: RunningBot) -> None:
    await give_roles(running)
    await running.say(TUTOR, "/request")
    shown = await type_in(running, TUTOR, "cjrjkmcrfz")
    assert "«Сокольская»" in shown
    assert "cjrjkmcrfz" not in shown
    assert "Сокольская ЦРБ" in shown_buttons(running, TUTOR)
    shown = await type_in(running, TUTOR, "сакольская")
    assert "«Сокольская»" in shown
    assert "Сокольская ЦРБ" in shown_buttons(running, TUTOR)


async def test_the_send_is_idempotent(running: RunningBot) -> None:
    await give_roles(running)
    await fill_form(running)
    summary = deepcopy(running.shown(TUTOR))
    number = await submit(running)
    # The summary as it was before the send (a crash left its button live, or a double tap).
    again = await running.press(
        TUTOR, button_data(summary["reply_markup"], texts.BTN_SUBMIT), summary
    )
    await running.quiet()
    assert again.params.get("show_alert")
    assert [r.id for r in await RequestRepo(_db(running)).for_user(TUTOR.id)] == [number]


# -- the tutor's requests ---------------------------------------------------------------------


async def _approve(
    running: RunningBot, number: int, place: str = "https://vks.example.ru/room"
) -> date:
    card = await card_for(running, METHODIST.id, number)
    await press_on(running, METHODIST, card, texts.BTN_APPROVE)
    day = today() + timedelta(days=10)
    await type_in(running, METHODIST, f"{day:%d.%m.%Y}")
    await tap(running, METHODIST, "10:00")
    await tap(running, METHODIST, texts.FORMAT_TITLES["vks"])
    await type_in(running, METHODIST, place)
    await tap(running, METHODIST, "2 ч")
    await tap(running, METHODIST, texts.BTN_NO_COMMENT)
    await tap(running, METHODIST, texts.BTN_SAVE)
    return day


async def test_my_request_shows_its_slot_link_and_calendar(running: RunningBot) -> None:
    await give_roles(running)
    await fill_form(running)
    number = await submit(running)
    seen = len(running.server.calls)
    day = await _approve(running, number)
    note = await said_to(running, TUTOR.id, "утверждена", seen)
    # The approval carries the link as a button and the calendar file.
    markup = note.params["reply_markup"]
    assert texts.BTN_JOIN in button_texts(markup)
    assert any(
        b.get("url") == "https://vks.example.ru/room"
        for row in markup["inline_keyboard"]
        for b in row
    )
    await tap(running, TUTOR, texts.BTN_CALENDAR)
    name, body = running.server.uploads[-1]
    assert name.endswith(".ics")
    assert b"BEGIN:VEVENT" in body
    starts = datetime.combine(day, time(10, 0), tzinfo=MSK).astimezone(ZoneInfo("UTC"))
    assert f"DTSTART:{starts:%Y%m%dT%H%M%SZ}".encode() in body

    await running.say(TUTOR, ui.BTN_MY_REQUESTS)
    await tap(running, TUTOR, f"№{number} · ЭЛН")
    detail = shown_text(running, TUTOR)
    assert texts.REQUEST_STATUS["approved"] in detail
    assert texts.when(datetime.combine(day, time(10, 0), tzinfo=MSK), MSK) in detail
    assert "https://vks.example.ru/room" in detail
    assert texts.BTN_JOIN in shown_buttons(running, TUTOR)
    # Approved: it can no longer be withdrawn.
    assert texts.BTN_WITHDRAW not in shown_buttons(running, TUTOR)
    forged = MineCallback(action=MineAction.WITHDRAW_YES, id=number).pack()
    refused = await running.press(TUTOR, forged, running.shown(TUTOR))
    assert refused.params["text"] == texts.NOT_WITHDRAWABLE
    await tap(running, TUTOR, ui.BTN_BACK)
    assert texts.MY_REQUESTS_HEADER in shown_text(running, TUTOR)


async def test_a_request_not_yet_approved_can_be_withdrawn(running: RunningBot) -> None:
    await give_roles(running)
    await fill_form(running)
    number = await submit(running)
    card = await card_for(running, METHODIST.id, number)
    await press_on(running, METHODIST, card, texts.BTN_TAKE)
    await running.say(TUTOR, ui.BTN_MY_REQUESTS)
    await tap(running, TUTOR, f"№{number} · ЭЛН")
    assert texts.MY_NO_SESSION in shown_text(running, TUTOR)
    await tap(running, TUTOR, texts.BTN_WITHDRAW)
    assert shown_text(running, TUTOR) == texts.ASK_WITHDRAW.format(id=number)
    seen = len(running.server.calls)
    answer = await tap(running, TUTOR, texts.BTN_WITHDRAW_YES)
    assert answer.params["text"] == texts.WITHDRAWN.format(id=number)
    assert texts.REQUEST_STATUS["withdrawn"] in shown_text(running, TUTOR)
    assert texts.BTN_WITHDRAW not in shown_buttons(running, TUTOR)
    stored = await RequestRepo(_db(running)).get(number)
    assert stored is not None
    assert stored.status is Status.WITHDRAWN
    # Whoever had it is told, and the card methodologists have shows it with no action left.
    await said_to(running, METHODIST.id, texts.NOTE_WITHDRAWN.format(id=number, topic="ЭЛН"), seen)
    redrawn = await edited_to(running, METHODIST.id, texts.REQUEST_STATUS["withdrawn"], seen)
    assert texts.BTN_APPROVE not in button_texts(redrawn.params.get("reply_markup"))
    # Someone else's request cannot be opened or withdrawn by a forged button.
    forged = MineCallback(action=MineAction.OPEN, id=number).pack()
    refused = await running.press(METHODIST, forged, latest(running, METHODIST.id))
    assert refused.params["text"] == texts.NOT_YOURS


# -- review -----------------------------------------------------------------------------------


async def test_take_changes_resubmit_approve_with_the_tutor_told_each_time(
    running: RunningBot,
) -> None:
    await give_roles(running)
    await fill_form(running)
    number = await submit(running)
    repo = RequestRepo(_db(running))
    card = await card_for(running, METHODIST.id, number)

    # Neither a staff member nor the tutor can act on a card, even with forged data.
    forged = CardCallback(action=CardAction.TAKE, id=number).pack()
    for stranger in (NURSE, TUTOR):
        refused = await running.press(stranger, forged, card)
        assert refused.params["text"] == ui.REFUSED.format(role="методист")
    assert (await repo.get(number)).status is Status.NEW  # type: ignore[union-attr]

    seen = len(running.server.calls)
    await press_on(running, METHODIST, card, texts.BTN_TAKE)
    note = await said_to(running, TUTOR.id, "в работе у методиста", seen)
    assert "Игорь" in note.params["text"]
    card = card_in(running, METHODIST.id, number)
    assert texts.REQUEST_STATUS["taken"] in card["text"]

    await press_on(running, METHODIST, card, texts.BTN_CHANGES)
    assert texts.REVIEW_ASK_CHANGES.format(id=number) in shown_text(running, METHODIST)
    seen = len(running.server.calls)
    done = await type_in(running, METHODIST, "Уточните <даты> & число")
    assert done == texts.REVIEW_CHANGES_SENT.format(id=number)
    note = await said_to(running, TUTOR.id, "просят исправить", seen)
    assert "Уточните &lt;даты&gt; &amp; число" in note.params["text"]
    assert (await repo.get(number)).status is Status.CHANGES  # type: ignore[union-attr]

    await tap(running, TUTOR, texts.BTN_FIX.format(id=number))
    summary = shown_text(running, TUTOR)
    assert "Проверьте заявку" in summary
    assert "Уточните &lt;даты&gt;" in summary
    await tap(running, TUTOR, "🔢 Участники")
    await type_in(running, TUTOR, "18")
    seen = len(running.server.calls)
    await tap(running, TUTOR, texts.BTN_RESUBMIT)
    assert shown_text(running, TUTOR) == texts.RESUBMITTED.format(id=number)
    resubmitted = await said_to(running, METHODIST.id, texts.REVIEW_RESUBMITTED, seen)
    assert "Участников: 18" in resubmitted.params["text"]
    stored = await repo.get(number)
    assert stored is not None
    assert stored.status is Status.TAKEN
    # The reminder is counted from the resubmission; the earlier one is gone.
    reminders = [k for k, _ in scheduler_of(running).next_runs() if k.startswith(f"sla:{number}:")]
    assert reminders == [f"sla:{number}:{stored.touched_at}"]

    card = card_in(running, METHODIST.id, number)
    await press_on(running, METHODIST, card, texts.BTN_APPROVE)
    ask = shown_text(running, METHODIST)
    assert texts.SCHEDULE_ASK_DATE.split(":")[0] in ask
    # The dates the tutor asked for are named, and marked in the calendar.
    start, end = preferred_days()
    assert texts.date_range(start, end) in ask
    assert f"•{start.day}•" in shown_buttons(running, METHODIST) or start.month != today().month
    day = today() + timedelta(days=10)
    await type_in(running, METHODIST, f"{day:%d.%m.%Y}")
    await tap(running, METHODIST, "09:00")
    await tap(running, METHODIST, texts.FORMAT_TITLES["vks"])
    await type_in(running, METHODIST, "https://vks.example.ru/room?a=1&b=<2>")
    await tap(running, METHODIST, "2 ч")
    check = await type_in(running, METHODIST, "Ждём <всех>")
    assert f"{day:%d.%m.%Y} 09:00" in check
    assert "&lt;2&gt;" in check
    seen = len(running.server.calls)
    await tap(running, METHODIST, texts.BTN_SAVE)
    note = await said_to(running, TUTOR.id, "утверждена", seen)
    assert "09:00" in note.params["text"]
    assert "https://vks.example.ru/room?a=1&amp;b=&lt;2&gt;" in note.params["text"]
    assert "Ждём &lt;всех&gt;" in note.params["text"]
    stored = await repo.get(number)
    assert stored is not None
    assert stored.status is Status.APPROVED
    assert stored.session_id is not None
    assert shown_text(running, METHODIST) == texts.REVIEW_APPROVED.format(
        id=number, session=stored.session_id
    )
    # The card the form started from shows the outcome.
    cards = [
        m for m in running.server.chat_messages(METHODIST.id) if "Заявка №" in m.get("text", "")
    ]
    assert any(texts.REQUEST_STATUS["approved"] in m["text"] for m in cards)

    actions = [e.action for e in await repo.events(number)]
    assert actions == [
        Action.CREATED,
        Action.TAKEN,
        Action.CHANGES,
        Action.RESUBMITTED,
        Action.APPROVED,
    ]
    history_card = next(
        m for m in reversed(cards) if texts.BTN_HISTORY in button_texts(m.get("reply_markup"))
    )
    seen = len(running.server.calls)
    await press_on(running, METHODIST, history_card, texts.BTN_HISTORY)
    history = await said_to(running, METHODIST.id, "История заявки", seen)
    for action in ("подана", "взята в работу", "возвращена на исправление", "утверждена"):
        assert action in history.params["text"]
    assert "Уточните &lt;даты&gt;" in history.params["text"]

    mine = await running.say(TUTOR, "/myrequests")
    assert texts.REQUEST_STATUS["approved"] in mine.params["text"]
    # A second approval from the stale card changes nothing.
    again = await running.press(
        METHODIST, CardCallback(action=CardAction.APPROVE, id=number).pack(), history_card
    )
    assert again.params["text"] == texts.REVIEW_TOO_LATE


async def test_scheduling_by_the_calendar_marks_the_asked_days(running: RunningBot) -> None:
    await give_roles(running)
    await fill_form(running)
    number = await submit(running)
    card = await card_for(running, METHODIST.id, number)
    await press_on(running, METHODIST, card, texts.BTN_APPROVE)
    start, end = preferred_days()
    # The calendar opens on the month the tutor asked for, their days marked.
    buttons = shown_buttons(running, METHODIST)
    for offset in range(3):
        assert f"•{(start + timedelta(days=offset)).day}•" in buttons
    await tap(running, METHODIST, f"•{start.day}•")
    assert texts.SCHEDULE_ASK_TIME in shown_text(running, METHODIST)
    await tap(running, METHODIST, ui.BTN_BACK)
    await tap(running, METHODIST, f"•{end.day}•")
    await tap(running, METHODIST, "08:38")
    # The format the tutor asked for is marked.
    await tap(running, METHODIST, f"• {texts.FORMAT_TITLES['webinar']}")
    await type_in(running, METHODIST, "Актовый зал МЦТ")
    await tap(running, METHODIST, "1 ч")
    await tap(running, METHODIST, texts.BTN_NO_COMMENT)
    assert f"{end:%d.%m.%Y} 08:38" in shown_text(running, METHODIST)
    summary = deepcopy(running.shown(METHODIST))
    await tap(running, METHODIST, texts.BTN_SAVE)
    # Saved once however often the button is pressed.
    await running.press(METHODIST, button_data(summary["reply_markup"], texts.BTN_SAVE), summary)
    await running.quiet()
    sessions = await SessionRepo(_db(running)).recent(10)
    assert [s.request_id for s in sessions] == [number]


async def test_reject_in_the_staff_chat_continues_in_private(
    server: FakeTelegram, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, telegram_api_url=server.url, staff_chat_id=-900)
    running = await RunningBot(server, settings).start()
    try:
        await give_roles(running)
        await add_to_group(running, -900, "Методисты МЦТ")
        await fill_form(running)
        number = await submit(running)
        card = await card_for(running, -900, number, "+7 921 123-45-67")
        assert running.server.chat_messages(METHODIST.id)[-1]["text"].find("Заявка №") < 0
        answer = await press_on(running, METHODIST, card, texts.BTN_REJECT)
        assert answer.params["text"] == texts.REVIEW_GO_PRIVATE
        # One button in private opens the form there.
        await tap(running, METHODIST, texts.BTN_CONTINUE)
        assert shown_text(running, METHODIST) == texts.REVIEW_ASK_REASON.format(id=number)
        short = await type_in(running, METHODIST, "no")
        assert texts.REVIEW_COMMENT_INVALID in short
        seen = len(running.server.calls)
        await type_in(running, METHODIST, "Такое обучение уже запланировано на <январь>")
        note = await said_to(running, TUTOR.id, "отклонена", seen)
        assert "&lt;январь&gt;" in note.params["text"]
        await running.server.wait_for(
            "editMessageText",
            lambda c: (
                c.params.get("chat_id") == -900
                and texts.REQUEST_STATUS["rejected"] in c.params["text"]
            ),
        )
    finally:
        await running.stop()


# -- the clock --------------------------------------------------------------------------------


async def test_sla_reminder_and_the_tutors_reminder_with_a_driven_clock(
    running: RunningBot,
) -> None:
    await give_roles(running)
    await fill_form(running)
    number = await submit(running)
    await card_for(running, METHODIST.id, number)
    repo = RequestRepo(_db(running))
    stored = await repo.get(number)
    assert stored is not None
    filed = datetime.fromisoformat(stored.touched_at)
    scheduler = scheduler_of(running)
    due = add_working_days(filed, 2, MSK)

    await scheduler.run_due(due - timedelta(minutes=1))
    reminder = texts.sla_headline(2)
    assert reminder == "⏰ Заявка ждёт действий больше 2 дней, считая только рабочие"
    assert not any(
        reminder in (m.get("text") or "") for m in running.server.chat_messages(METHODIST.id)
    )
    seen = len(running.server.calls)
    await scheduler.run_due(due + timedelta(minutes=1))
    call = await said_to(running, METHODIST.id, reminder, seen)
    assert f"Заявка №{number}" in call.params["text"]
    # Driving the clock on does not remind again for the same wait.
    await scheduler.run_due(due + timedelta(days=1))
    await scheduler.run_due(due + timedelta(days=1, minutes=5))
    await running.quiet()
    reminders = [
        m for m in running.server.chat_messages(METHODIST.id) if reminder in (m.get("text") or "")
    ]
    assert len(reminders) == 1
    assert Action.SLA_REMINDER in [e.action for e in await repo.events(number)]

    # Approved for a date: the tutor hears the day before at 15:00, once, with the calendar.
    day = today() + timedelta(days=20)
    starts = datetime.combine(day, time(10, 0), tzinfo=MSK)
    session = SessionInput("eln", Format.VKS, starts, "https://vks.example.ru/1", 2)
    approved = await repo.approve(number, METHODIST.id, session, "")
    assert approved is not None
    eve = datetime.combine(day - timedelta(days=1), time(15, 0), tzinfo=MSK)
    await scheduler.run_due(eve - timedelta(minutes=2))
    await scheduler.run_due(eve - timedelta(minutes=1))
    assert not any("завтра" in (m.get("text") or "") for m in server_msgs(running, TUTOR.id))
    seen = len(running.server.calls)
    await scheduler.run_due(eve + timedelta(minutes=1))
    tomorrow = await said_to(running, TUTOR.id, "Напоминаем: завтра", seen)
    assert "10:00" in tomorrow.params["text"]
    assert {texts.BTN_JOIN, texts.BTN_CALENDAR} <= set(
        button_texts(tomorrow.params["reply_markup"])
    )
    uploads = len(running.server.uploads)
    await tap(running, TUTOR, texts.BTN_CALENDAR)
    assert len(running.server.uploads) == uploads + 1
    name, body = running.server.uploads[-1]
    assert name.endswith(".ics")
    assert f"DTSTART:{starts.astimezone(ZoneInfo('UTC')):%Y%m%dT%H%M%SZ}".encode() in body
    await scheduler.run_due(eve + timedelta(minutes=30))
    await wait_until(lambda: running.server.pending_updates == 0)
    await running.quiet()
    assert (
        sum("Напоминаем: завтра" in (m.get("text") or "") for m in server_msgs(running, TUTOR.id))
        == 1
    )


def server_msgs(running: RunningBot, chat_id: int) -> list[Json]:
    return running.server.chat_messages(chat_id)


# -- personal data ----------------------------------------------------------------------------


async def forget(running: RunningBot, person: Person) -> str:
    asked = await running.say(person, "/forget")
    assert asked.params["text"] == texts.FORGET_ASK
    await tap(running, person, texts.BTN_FORGET_YES)
    return shown_text(running, person)


async def test_forget_asks_first(running: RunningBot) -> None:
    await give_roles(running)
    asked = await running.say(TUTOR, "/forget")
    assert asked.params["text"] == texts.FORGET_ASK
    await tap(running, TUTOR, ui.BTN_CANCEL)
    assert shown_text(running, TUTOR) == texts.FORGET_KEPT
    user = await UserRepo(_db(running)).get(TUTOR.id)
    assert user is not None
    assert user.username == "maria_tutor"


async def test_forget_anonymises_requests_and_keeps_the_numbers(running: RunningBot) -> None:
    await give_roles(running)
    await fill_form(running, contact="<b>Иванова</b> Мария, 8 921 123-45-67")
    summary = shown_text(running, TUTOR)
    assert "&lt;b&gt;Иванова&lt;/b&gt; Мария" in summary
    number = await submit(running)
    await card_for(running, METHODIST.id, number, "&lt;b&gt;Иванова&lt;/b&gt;")

    done = await forget(running, TUTOR)
    assert done == texts.forget_done(1)
    assert "в 1 заявке" in done
    stored = await RequestRepo(_db(running)).get(number)
    assert stored is not None
    assert (stored.contact_name, stored.contact_phone, stored.comment) == (None, None, "")
    assert stored.participants == 25
    assert stored.organisation == "Сокольская ЦРБ"
    user = await UserRepo(_db(running)).get(TUTOR.id)
    assert user is not None
    assert user.first_name == ""
    assert user.username is None
    # Writing to the bot again does not bring the name back.
    await running.say(TUTOR, "/myrequests")
    user = await UserRepo(_db(running)).get(TUTOR.id)
    assert user is not None
    assert (user.first_name, user.username) == ("", None)
    # The card shows the erasure instead of the contact.
    seen = len(running.server.calls)
    await running.press(
        METHODIST,
        CardCallback(action=CardAction.OPEN, id=number).pack(),
        latest(running, METHODIST.id),
    )
    card = await said_to(running, METHODIST.id, f"Заявка №{number}", seen)
    assert "удалён по просьбе" in card.params["text"]
    assert "921 123-45-67" not in card.params["text"]


async def test_forget_leaves_no_name_or_phone_in_the_database_file_or_its_wal(
    running: RunningBot,
) -> None:
    await give_roles(running)
    await fill_form(running, contact="Иванова Мария, 8 921 123-45-67")
    number = await submit(running)
    card = await card_for(running, METHODIST.id, number, "Иванова Мария")
    # The tutor also asked for a material nobody found: a notice names her.
    nothing = await running.say(TUTOR, "щщщщщщ")
    asked = button_data(nothing.params["reply_markup"], "🙋 Попросить материал")
    await running.press(TUTOR, asked, latest(running, TUTOR.id))
    await said_to(running, METHODIST.id, "Просят материал")
    # And left a form half done: what it holds goes too.
    await running.say(TUTOR, "/request")
    await type_in(running, TUTOR, "сокольская")

    seen = len(running.server.calls)
    await forget(running, TUTOR)
    # The card the methodologist already has is edited to show no contact.
    edited = await running.server.wait_for(
        "editMessageText",
        lambda c: (
            c.params["chat_id"] == METHODIST.id and c.params["message_id"] == card["message_id"]
        ),
        after=seen,
    )
    assert "удалён по просьбе" in edited.params["text"]
    assert "Иванова" not in edited.params["text"]
    await running.quiet()
    path = running.settings.database_path
    stored = path.read_bytes() + Path(f"{path}-wal").read_bytes()
    for secret in ("Иванова", "maria_tutor", "921 123-45-67", "9211234567"):
        assert secret.encode() not in stored, secret


async def test_html_in_the_mo_query_and_comment_renders_as_text(running: RunningBot) -> None:
    await give_roles(running)
    await running.say(TUTOR, "/request")
    reply = await type_in(running, TUTOR, "<script>alert(1)</script>")
    assert "&lt;script&gt;" in reply
    await type_in(running, TUTOR, "сокольская")
    await tap(running, TUTOR, "Сокольская ЦРБ")
    await tap(running, TUTOR, "ЭЛН")
    await tap(running, TUTOR, texts.FORMAT_TITLES["webinar"])
    await tap(running, TUTOR, "врачи")
    await tap(running, TUTOR, ui.BTN_DONE)
    await type_in(running, TUTOR, "5")
    await type_in(running, TUTOR, "в следующем месяце")
    await type_in(running, TUTOR, "Мария <i>Иванова, 8 921 123-45-67")
    text = await type_in(running, TUTOR, "<b>жирный</b> & </i> <a href='x'>")
    assert "&lt;b&gt;жирный&lt;/b&gt; &amp; &lt;/i&gt; &lt;a href=&#x27;x&#x27;&gt;" in text
    assert "Мария &lt;i&gt;Иванова" in text


# -- sessions, exports, the queue -------------------------------------------------------------


async def test_session_without_request_results_and_export(running: RunningBot) -> None:
    await give_roles(running)
    refused = await running.say(TUTOR, "/sessions")
    assert refused.params["text"] == ui.REFUSED.format(role="методист")
    await running.say(METHODIST, "/session")
    await tap(running, METHODIST, "ЛИС")
    await tap(running, METHODIST, texts.BTN_FOR_ALL)
    past = today() - timedelta(days=3)
    await type_in(running, METHODIST, f"{past:%d.%m.%Y}")
    assert texts.SCHEDULE_TIME_INVALID in await type_in(running, METHODIST, "25:00")
    await type_in(running, METHODIST, "08:38")
    await tap(running, METHODIST, texts.FORMAT_TITLES["webinar"])
    await type_in(running, METHODIST, "https://vks.example.ru/lis")
    await type_in(running, METHODIST, "1,5")
    await tap(running, METHODIST, texts.BTN_SAVE)
    assert shown_text(running, METHODIST) == texts.SCHEDULE_SAVED.format(id=1)

    listing = await running.say(METHODIST, "/sessions")
    assert "план 1,5 ак. ч." in listing.params["text"]
    # A session for every МО says so; the format is named in Russian.
    assert "для всех МО" in listing.params["text"]
    assert texts.FORMAT_TITLES["webinar"] in listing.params["text"]
    assert "Проведено: 0 занятий" in listing.params["text"]
    await tap(running, METHODIST, texts.BTN_RESULTS.format(id=1))
    bad = await type_in(running, METHODIST, "0 2")
    assert texts.RESULTS_INVALID in bad
    saved = await type_in(running, METHODIST, "42 1,5")
    assert saved == texts.results_saved(1, 42, 1.5)
    assert saved == "✅ Итоги занятия №1: 42 человека, 1,5 ак. ч."
    listing = await running.say(METHODIST, "/sessions")
    assert texts.sessions_total(1, 42, 1.5) in listing.params["text"]
    assert "Проведено: 1 занятие, обучено: 42 человека" in listing.params["text"]

    await fill_form(running)
    number = await submit(running)
    await running.server.push_update("message", message(METHODIST, "/requests_export"))
    await wait_until(lambda: len(running.server.uploads) >= 3)
    xlsx = next(content for name, content in running.server.uploads if name.endswith(".xlsx"))
    book = load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames == ["Заявки", "Занятия"]
    requests_rows = list(book["Заявки"].iter_rows(values_only=True))
    sessions_rows = list(book["Занятия"].iter_rows(values_only=True))
    assert requests_rows[0][0] == "№"
    assert list(requests_rows[0]) == list(texts.REQUEST_COLUMNS)
    assert len(requests_rows) == 2
    row = dict(zip(texts.REQUEST_COLUMNS, requests_rows[1], strict=True))
    assert row["№"] == number
    assert row["Телефон"] == "+7 921 123-45-67"
    assert (row["Статус"], row["Формат"], row["Слушатели"]) == (
        "новая",
        "онлайн-вебинар",
        "врачи, медсёстры",
    )
    assert row["Направление"] == "ЭЛН"
    # Dates are dates, times are Moscow's.
    cells = next(iter(book["Заявки"].iter_rows(min_row=2, max_row=2)))
    assert cells[texts.REQUEST_COLUMNS.index("Даты с")].is_date
    start, _ = preferred_days()
    assert row["Даты с"].date() == start
    stored = await RequestRepo(_db(running)).get(number)
    assert stored is not None
    filed = datetime.fromisoformat(stored.created_at).astimezone(MSK).replace(tzinfo=None)
    assert row["Подана (МСК)"] == filed
    assert len(sessions_rows) == 2
    session = dict(zip(texts.SESSION_COLUMNS, sessions_rows[1], strict=True))
    assert session["Обучено человек"] == 42
    assert session["МО"] == texts.SCHEDULE_FOR_ALL
    assert (session["Направление"], session["Формат"]) == ("ЛИС", texts.FORMAT_TITLES["webinar"])
    assert row["Подана (МСК)"].tzinfo is None
    assert next(iter(book["Занятия"].iter_rows(min_row=2, max_row=2)))[
        texts.SESSION_COLUMNS.index("Начало (МСК)")
    ].is_date
    assert session["Начало (МСК)"] == datetime.combine(past, time(8, 38))


async def test_requests_queue_filters(running: RunningBot) -> None:
    await give_roles(running)
    await fill_form(running)
    first = await submit(running)
    await fill_form(running)
    second = await submit(running)
    card = await card_for(running, METHODIST.id, first)
    await press_on(running, METHODIST, card, texts.BTN_TAKE)

    queue = await running.say(METHODIST, "/requests")
    assert "Найдено: 2 заявки" in queue.params["text"]
    await tap(running, METHODIST, texts.REQUEST_STATUS["new"])
    shown = latest(running, METHODIST.id)["text"]
    assert f"№{second}" in shown
    assert f"№{first} ·" not in shown
    await tap(running, METHODIST, texts.BTN_FILTER_RESET)
    await tap(running, METHODIST, texts.BTN_FILTER_MINE)
    shown = latest(running, METHODIST.id)["text"]
    assert f"№{first}" in shown
    assert f"№{second} ·" not in shown
    await tap(running, METHODIST, texts.BTN_FILTER_TOPIC)
    await tap(running, METHODIST, "ЛИС")
    assert texts.REQUESTS_EMPTY in latest(running, METHODIST.id)["text"]
    exact = await running.say(METHODIST, "/requests Сокольская ЦРБ")
    assert "Найдено: 2" in exact.params["text"]
    # A query that fits several МО asks which one.
    several = await running.say(METHODIST, "/requests сокольская")
    assert {"Сокольская ЦРБ", "Сокольская СП"} <= set(button_texts(several.params["reply_markup"]))
    await tap(running, METHODIST, "Сокольская СП")
    assert "Найдено: 0 заявок" in latest(running, METHODIST.id)["text"]
    await running.say(METHODIST, "/requests cjrjkmcrfz")
    assert "«Сокольская»" in latest(running, METHODIST.id)["text"]
    await tap(running, METHODIST, "Сокольская ЦРБ")
    assert "Найдено: 2" in latest(running, METHODIST.id)["text"]
    # Forged filter data falls back to "all" instead of failing.
    from handlers.requests.callbacks import QueueAction, QueueCallback

    await running.press(
        METHODIST,
        QueueCallback(action=QueueAction.FILTER, f="zz.qq.x.<b>").pack(),
        latest(running, METHODIST.id),
    )
    await running.quiet()
    assert "Найдено: 2" in latest(running, METHODIST.id)["text"]


async def test_staff_cannot_file_requests(running: RunningBot) -> None:
    refused = await running.say(NURSE, "/request")
    assert refused.params["text"] == ui.REFUSED.format(role="тьютор МО")
    assert ui.BTN_REQUEST not in button_texts(
        (await running.say(NURSE, "/start")).params["reply_markup"]
    )


# -- what a full request costs ----------------------------------------------------------------


async def test_a_full_request_takes_twelve_actions_and_leaves_one_message(
    running: RunningBot,
) -> None:
    """From the menu button to «отправлена методистам», counted from the calls the bot makes:
    7 taps (the menu button among them) and 5 typed answers, as before the forms moved to
    aiogram_dialog; but the bot's side is now one message, edited at every step, where it was
    8 sent messages (4 of them with buttons still live) and 5 edits."""
    await give_roles(running)
    before = len(running.server.chat_messages(TUTOR.id))
    seen = len(running.server.calls)
    await running.say(TUTOR, ui.BTN_REQUEST)
    typed = [
        "сокольская",
        "25",
        "{:%d.%m}–{:%d.%m}".format(*preferred_days()),
        "Иванова Мария, 8 921 123-45-67",
        "Нужен разбор закрытия ЭЛН",
    ]
    await type_in(running, TUTOR, typed[0])
    for caption in ("Сокольская ЦРБ", "ЭЛН", texts.FORMAT_TITLES["webinar"], "врачи"):
        await tap(running, TUTOR, caption)
    await tap(running, TUTOR, ui.BTN_DONE)
    for answer in typed[1:]:
        await type_in(running, TUTOR, answer)
    await submit(running)
    calls = [c for c in running.server.calls[seen:] if c.params.get("chat_id") == TUTOR.id]
    presses = [c for c in running.server.calls[seen:] if c.method == "answerCallbackQuery"]
    assert 1 + len(presses) == 7
    assert len(typed) == 5
    assert [c.method for c in calls].count("sendMessage") == 1
    # Each typed answer is taken off the chat; the form's message is edited instead.
    assert [c.method for c in calls].count("deleteMessage") == 5
    left = running.server.chat_messages(TUTOR.id)[before:]
    assert len(left) == 1
    assert "отправлена методистам" in left[0]["text"]
    assert not (left[0].get("reply_markup") or {}).get("inline_keyboard")


async def test_a_menu_label_mid_scheduling_is_not_the_place(running: RunningBot) -> None:
    await give_roles(running)
    await fill_form(running)
    number = await submit(running)
    card = await card_for(running, METHODIST.id, number)
    await press_on(running, METHODIST, card, texts.BTN_APPROVE)
    # «Назад» typed at the first step: there is nothing before it, the step stays.
    first = await type_in(running, METHODIST, "назад")
    assert texts.SCHEDULE_ASK_DATE.split(":")[0] in first
    day = today() + timedelta(days=10)
    await type_in(running, METHODIST, f"{day:%d.%m.%Y}")
    await tap(running, METHODIST, "10:00")
    await tap(running, METHODIST, texts.FORMAT_TITLES["vks"])
    # The methodologist taps a menu button where the link is asked: the menu answers.
    hint = await running.say(METHODIST, ui.BTN_SEARCH_HINT)
    assert texts.SCHEDULE_ASK_PLACE.split(":")[0] not in hint.params["text"]
    # Back at the card (from the queue), the form goes on where it was, the label not taken
    # for the place.
    await running.say(METHODIST, "/requests")
    await tap(
        running, METHODIST, next(b for b in shown_buttons(running, METHODIST) if f"№{number}" in b)
    )
    await tap(running, METHODIST, texts.BTN_APPROVE)
    resumed = shown_text(running, METHODIST)
    assert texts.SCHEDULE_ASK_PLACE in resumed
    assert ui.BTN_SEARCH_HINT not in resumed
    await type_in(running, METHODIST, "https://vks.example.ru/room")
    await tap(running, METHODIST, "2 ч")
    check = await tap(running, METHODIST, texts.BTN_NO_COMMENT)
    assert not check.params.get("show_alert")
    summary = shown_text(running, METHODIST)
    assert "https://vks.example.ru/room" in summary
    assert ui.BTN_SEARCH_HINT not in summary
    assert f"{day:%d.%m.%Y} 10:00" in summary
