"""Training requests end to end: the real bot polls the fake Bot API, a tutor fills the form
with buttons and text, methodologists review it, and the scheduler's clock is driven."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from bot import texts
from bot.callbacks import ReviewAction, ReviewCallback
from bot.jobs import sla_due
from catalog.requests import Action, Format, Status, add_working_days
from storage.db import Database
from storage.requests import RequestRepo, SessionInput
from storage.users import Role, UserRepo
from tests.conftest import RunningBot, button_data, button_texts, make_settings
from tests.e2e.helpers import add_to_group, scheduler_of, wait_until
from tests.fakes.people import ADMIN, DOCTOR, NURSE, Person, message, sticker
from tests.fakes.telegram_server import Call, FakeTelegram, Json

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


def summary_of(running: RunningBot) -> str:
    """The newest form summary in the tutor's chat (it may be an edited older message)."""
    for shown in reversed(running.server.chat_messages(TUTOR.id)):
        if "Проверьте заявку" in (shown.get("text") or ""):
            return str(shown["text"])
    raise AssertionError("no summary")


def with_button(running: RunningBot, chat_id: int, caption: str) -> Json:
    for shown in reversed(running.server.chat_messages(chat_id)):
        if caption in button_texts(shown.get("reply_markup")):
            return shown
    raise AssertionError(f"no message with {caption!r} in chat {chat_id}")


async def click(running: RunningBot, person: Person, caption: str, chat_id: int = 0) -> Call:
    """Press ``caption`` on the newest message that has it; returns the callback's answer,
    which aiogram sends once the handler has finished."""
    shown = with_button(running, chat_id or person.id, caption)
    return await running.press(person, button_data(shown["reply_markup"], caption), shown)


async def said_to(running: RunningBot, chat_id: int, fragment: str, after: int = 0) -> Call:
    return await running.server.wait_for(
        "sendMessage",
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
    first = await running.say(TUTOR, texts.BTN_REQUEST)
    assert "шаг 1 из 8" in first.params["text"]
    picked = await running.say(TUTOR, "сокольская")
    assert "Сокольская ЦРБ" in button_texts(picked.params["reply_markup"])
    await click(running, TUTOR, "Сокольская ЦРБ")
    assert "шаг 2 из 8" in latest(running, TUTOR.id)["text"]
    await click(running, TUTOR, "ЭЛН")
    await click(running, TUTOR, texts.FORMAT_TITLES["webinar"])
    await click(running, TUTOR, "врачи")
    await click(running, TUTOR, "медсёстры")
    assert "✅ врачи" in button_texts(latest(running, TUTOR.id)["reply_markup"])
    await click(running, TUTOR, texts.BTN_DONE)
    assert texts.REQ_ASK_PARTICIPANTS in latest(running, TUTOR.id)["text"]
    await running.say(TUTOR, "25")
    start, end = preferred_days()
    seen = len(running.server.calls)
    understood = await running.say(TUTOR, f"{start:%d.%m}–{end:%d.%m}")
    assert understood.params["text"] == texts.REQ_DATES_UNDERSTOOD.format(
        dates=texts.date_range(start, end)
    )
    await said_to(running, TUTOR.id, texts.REQ_ASK_CONTACT[:30], seen)
    await running.say(TUTOR, contact)
    await running.say(TUTOR, "Нужен разбор закрытия ЭЛН")


async def submit(running: RunningBot) -> int:
    seen = len(running.server.calls)
    answer = await click(running, TUTOR, texts.BTN_SUBMIT)
    assert not answer.params.get("show_alert")
    done = await said_to(running, TUTOR.id, "отправлена методистам", seen)
    number = int(done.params["text"].split("№")[1].split()[0])
    return number


async def card_for(running: RunningBot, chat_id: int, number: int, fragment: str = "") -> Json:
    call = await said_to(running, chat_id, f"Заявка №{number}</b>")
    assert fragment in call.params["text"]
    return next(
        m
        for m in reversed(running.server.chat_messages(chat_id))
        if f"Заявка №{number}</b>" in (m.get("text") or "")
    )


async def press_on(running: RunningBot, person: Person, shown: Json, caption: str) -> Call:
    return await running.press(person, button_data(shown["reply_markup"], caption), shown)


# -- the form ---------------------------------------------------------------------------------


async def test_form_by_buttons_and_text_with_an_edit_from_the_summary(
    running: RunningBot,
) -> None:
    await give_roles(running)
    await fill_form(running)
    summary = latest(running, TUTOR.id)["text"]
    assert "Сокольская центральная районная больница" in summary
    assert "📚 Направление: ЭЛН" in summary
    assert "врачи, медсёстры" in summary
    assert "Участников: 25" in summary
    assert "Иванова Мария, +79211234567" in summary
    assert texts.REQ_CONSENT in summary

    # Any field can be changed from the summary, and the summary comes back.
    await click(running, TUTOR, "🔢 Участники")
    await running.say(TUTOR, "30")
    assert "Участников: 30" in latest(running, TUTOR.id)["text"]
    number = await submit(running)

    stored = await RequestRepo(_db(running)).get(number)
    assert stored is not None
    assert (stored.participants, stored.contact_phone) == (30, "+79211234567")
    assert stored.status is Status.NEW
    # No staff chat is configured: the methodologist gets the card in private, contacts on it.
    card = await card_for(running, METHODIST.id, number, "+79211234567")
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
    mine = await running.say(TUTOR, texts.BTN_MY_REQUESTS)
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
    unknown = await running.say(TUTOR, "несуществующая больница")
    assert unknown.params["text"].startswith("Не нашёл МО")
    await running.say(TUTOR, "сокольская")
    await click(running, TUTOR, "Сокольская ЦРБ")
    # Text where a button is due.
    hint = await running.say(TUTOR, "ЭЛН")
    assert hint.params["text"] == texts.BUTTONS_EXPECTED
    await click(running, TUTOR, "ЭЛН")
    await click(running, TUTOR, texts.FORMAT_TITLES["vks"])
    empty = await click(running, TUTOR, texts.BTN_DONE)
    assert empty.params["text"] == texts.REQ_AUDIENCE_EMPTY
    await click(running, TUTOR, "статистики")
    await click(running, TUTOR, texts.BTN_DONE)
    for wrong in ("0", "501", "много"):
        reply = await running.say(TUTOR, wrong)
        assert reply.params["text"] == texts.REQ_PARTICIPANTS_INVALID
    seen = len(running.server.calls)
    await running.server.push_update("message", sticker(TUTOR))
    reply = await said_to(running, TUTOR.id, "", seen)
    assert reply.params["text"] == texts.TEXT_EXPECTED
    await running.say(TUTOR, "12")
    reply = await running.say(TUTOR, "вчера")
    assert reply.params["text"] == texts.REQ_DATES_INVALID
    await running.say(TUTOR, "в следующем месяце")
    await said_to(running, TUTOR.id, texts.REQ_ASK_CONTACT[:30])
    for wrong in ("Иванова Мария, 12-34", "+1 202 555 0100", "8 921 123-45-67"):
        reply = await running.say(TUTOR, wrong)
        assert reply.params["text"] == texts.REQ_CONTACT_INVALID
    reply = await running.say(TUTOR, "x" * 10_000)
    assert reply.params["text"] == texts.REQ_CONTACT_INVALID
    reply = await running.say(TUTOR, "Петрова Анна +7 8172 12-34-56")
    assert texts.REQ_ASK_COMMENT in reply.params["text"]
    reply = await running.say(TUTOR, "к" * 1001)
    assert reply.params["text"] == texts.REQ_TEXT_TOO_LONG.format(limit=1000)
    await click(running, TUTOR, texts.BTN_NO_COMMENT)
    summary = summary_of(running)
    assert "Участников: 12" in summary
    assert "+78172123456" in summary
    assert "Комментарий: —" in summary
    # Nothing was filed by all of that.
    assert await RequestRepo(_db(running)).for_user(TUTOR.id) == []


async def test_back_and_cancel_in_the_middle(running: RunningBot) -> None:
    await give_roles(running)
    await running.say(TUTOR, "/request")
    await running.say(TUTOR, "сокольская")
    await click(running, TUTOR, "Сокольская ЦРБ")
    await click(running, TUTOR, "ЭЛН")
    await click(running, TUTOR, texts.BTN_BACK)
    assert texts.REQ_ASK_TOPIC in latest(running, TUTOR.id)["text"]
    await click(running, TUTOR, "ЛИС")
    await click(running, TUTOR, texts.FORMAT_TITLES["centre"])
    await click(running, TUTOR, "ИТ-специалисты")
    await click(running, TUTOR, texts.BTN_DONE)
    # «Назад» typed as text works on text steps too.
    back = await running.say(TUTOR, "Назад")
    assert texts.REQ_ASK_AUDIENCE in back.params["text"]
    assert "✅ ИТ-специалисты" in button_texts(back.params["reply_markup"])
    cancelled = await running.say(TUTOR, "/cancel")
    assert cancelled.params["text"] == texts.CANCELLED
    # The old buttons no longer change anything.
    stale = await click(running, TUTOR, texts.BTN_DONE)
    assert stale.params["text"] == texts.STALE_BUTTON
    search = await running.say(TUTOR, "12")
    assert texts.REQ_ASK_DATES not in search.params["text"]


async def test_a_restart_in_the_middle_of_the_form_continues(
    server: FakeTelegram, tmp_path: Path
) -> None:
    running = await RunningBot(server, make_settings(tmp_path, telegram_api_url=server.url)).start()
    try:
        await give_roles(running)
        await running.say(TUTOR, "/request")
        await running.say(TUTOR, "сокольская")
        await click(running, TUTOR, "Сокольская ЦРБ")
        await click(running, TUTOR, "ЭЛН")
        await click(running, TUTOR, texts.FORMAT_TITLES["desant"])
        await click(running, TUTOR, "руководители")
        await click(running, TUTOR, texts.BTN_DONE)
        await running.stop()
        await running.start()
        reply = await running.say(TUTOR, "40")
        assert texts.REQ_ASK_DATES in reply.params["text"]
        await running.say(TUTOR, "в следующем месяце")
        await said_to(running, TUTOR.id, texts.REQ_ASK_CONTACT[:30])
        await running.say(TUTOR, "Иванова Мария, 89211234567")
        await click(running, TUTOR, texts.BTN_NO_COMMENT)
        summary = summary_of(running)
        assert "Участников: 40" in summary
        assert "выездной «МЦТ-десант»" in summary
        number = await submit(running)
        stored = await RequestRepo(_db(running)).get(number)
        assert stored is not None
        assert stored.format is Format.DESANT
    finally:
        await running.stop()


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
    forged = ReviewCallback(action=ReviewAction.TAKE, id=number).pack()
    for stranger in (NURSE, TUTOR):
        refused = await running.press(stranger, forged, card)
        assert refused.params["text"] == texts.REFUSED.format(role="методист")
    assert (await repo.get(number)).status is Status.NEW  # type: ignore[union-attr]

    seen = len(running.server.calls)
    await press_on(running, METHODIST, card, texts.BTN_TAKE)
    note = await said_to(running, TUTOR.id, "взял в работу", seen)
    assert "Игорь" in note.params["text"]
    card = latest(running, METHODIST.id)
    assert texts.REQUEST_STATUS["taken"] in card["text"]

    await press_on(running, METHODIST, card, texts.BTN_CHANGES)
    assert texts.REVIEW_ASK_CHANGES.format(id=number) == latest(running, METHODIST.id)["text"]
    seen = len(running.server.calls)
    await running.say(METHODIST, "Уточните <даты> & число")
    note = await said_to(running, TUTOR.id, "просят исправить", seen)
    assert "Уточните &lt;даты&gt; &amp; число" in note.params["text"]
    assert (await repo.get(number)).status is Status.CHANGES  # type: ignore[union-attr]

    await click(running, TUTOR, texts.BTN_FIX.format(id=number))
    await said_to(running, TUTOR.id, "Проверьте заявку")
    await click(running, TUTOR, "🔢 Участники")
    await running.say(TUTOR, "18")
    seen = len(running.server.calls)
    await click(running, TUTOR, texts.BTN_RESUBMIT)
    await said_to(running, TUTOR.id, texts.REQ_RESUBMITTED.format(id=number), seen)
    resubmitted = await said_to(running, METHODIST.id, texts.REVIEW_RESUBMITTED, seen)
    assert "Участников: 18" in resubmitted.params["text"]
    stored = await repo.get(number)
    assert stored is not None
    assert stored.status is Status.TAKEN
    # The reminder is counted from the resubmission; the earlier one is gone.
    reminders = [k for k, _ in scheduler_of(running).next_runs() if k.startswith(f"sla:{number}:")]
    assert reminders == [f"sla:{number}:{stored.touched_at}"]

    card = latest(running, METHODIST.id)
    await press_on(running, METHODIST, card, texts.BTN_APPROVE)
    assert texts.SCHEDULE_ASK_DATE in latest(running, METHODIST.id)["text"]
    day = today() + timedelta(days=10)
    await running.say(METHODIST, f"{day:%d.%m.%Y}")
    await click(running, METHODIST, "09:00")
    await click(running, METHODIST, texts.FORMAT_TITLES["vks"])
    await running.say(METHODIST, "https://vks.example.ru/room?a=1&b=<2>")
    await click(running, METHODIST, "2 ч")
    await running.say(METHODIST, "Ждём <всех>")
    check = latest(running, METHODIST.id)["text"]
    assert f"{day:%d.%m.%Y} 09:00" in check
    assert "&lt;2&gt;" in check
    seen = len(running.server.calls)
    await click(running, METHODIST, texts.BTN_SAVE)
    note = await said_to(running, TUTOR.id, "утверждена", seen)
    assert "09:00" in note.params["text"]
    assert "https://vks.example.ru/room?a=1&amp;b=&lt;2&gt;" in note.params["text"]
    assert "Ждём &lt;всех&gt;" in note.params["text"]
    stored = await repo.get(number)
    assert stored is not None
    assert stored.status is Status.APPROVED
    assert stored.session_id is not None
    # The card the dialog started from shows the outcome.
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
        METHODIST, ReviewCallback(action=ReviewAction.APPROVE, id=number).pack(), history_card
    )
    assert again.params["text"] == texts.REVIEW_TOO_LATE


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
        card = await card_for(running, -900, number, "+79211234567")
        assert running.server.chat_messages(METHODIST.id)[-1]["text"].find("Заявка №") < 0
        answer = await press_on(running, METHODIST, card, texts.BTN_REJECT)
        assert answer.params["text"] == texts.REVIEW_GO_PRIVATE
        assert latest(running, METHODIST.id)["text"] == texts.REVIEW_ASK_REASON.format(id=number)
        short = await running.say(METHODIST, "no")
        assert short.params["text"] == texts.REVIEW_COMMENT_INVALID
        seen = len(running.server.calls)
        await running.say(METHODIST, "Такое обучение уже запланировано на <январь>")
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
    reminder = texts.REVIEW_SLA.format(days=2)
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
    reminders = [
        m for m in running.server.chat_messages(METHODIST.id) if reminder in (m.get("text") or "")
    ]
    assert len(reminders) == 1
    assert Action.SLA_REMINDER in [e.action for e in await repo.events(number)]

    # Approved for a date: the tutor hears the day before at 15:00, once.
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
    await scheduler.run_due(eve + timedelta(minutes=30))
    await wait_until(lambda: running.server.pending_updates == 0)
    assert (
        sum("Напоминаем: завтра" in (m.get("text") or "") for m in server_msgs(running, TUTOR.id))
        == 1
    )


def server_msgs(running: RunningBot, chat_id: int) -> list[Json]:
    return running.server.chat_messages(chat_id)


# -- personal data ----------------------------------------------------------------------------


async def test_forget_anonymises_requests_and_keeps_the_numbers(running: RunningBot) -> None:
    await give_roles(running)
    await fill_form(running, contact="<b>Иванова</b> Мария, 8 921 123-45-67")
    summary = latest(running, TUTOR.id)["text"]
    assert "&lt;b&gt;Иванова&lt;/b&gt; Мария" in summary
    number = await submit(running)
    await card_for(running, METHODIST.id, number, "&lt;b&gt;Иванова&lt;/b&gt;")

    done = await running.say(TUTOR, "/forget")
    assert done.params["text"] == texts.FORGET_DONE.format(count=1)
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
        ReviewCallback(action=ReviewAction.OPEN, id=number).pack(),
        latest(running, METHODIST.id),
    )
    card = await said_to(running, METHODIST.id, f"Заявка №{number}", seen)
    assert "удалён по просьбе" in card.params["text"]
    assert "+79211234567" not in card.params["text"]


async def test_forget_leaves_no_name_or_phone_in_the_database_file_or_its_wal(
    running: RunningBot,
) -> None:
    await give_roles(running)
    await fill_form(running, contact="Иванова Мария, 8 921 123-45-67")
    number = await submit(running)
    card = await card_for(running, METHODIST.id, number, "Иванова Мария")
    # The tutor also asked for a material nobody found: a notice names her.
    nothing = await running.say(TUTOR, "щщщщщщ")
    asked = button_data(nothing.params["reply_markup"], texts.BTN_WISH)
    await running.press(TUTOR, asked, latest(running, TUTOR.id))
    await said_to(running, METHODIST.id, "Просят материал")

    seen = len(running.server.calls)
    await running.say(TUTOR, "/forget")
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
    path = running.settings.database_path
    stored = path.read_bytes() + Path(f"{path}-wal").read_bytes()
    for secret in ("Иванова", "maria_tutor", "921 123-45-67", "9211234567"):
        assert secret.encode() not in stored, secret


async def test_html_in_the_mo_query_and_comment_renders_as_text(running: RunningBot) -> None:
    await give_roles(running)
    await running.say(TUTOR, "/request")
    reply = await running.say(TUTOR, "<script>alert(1)</script>")
    assert "&lt;script&gt;" in reply.params["text"]
    await running.say(TUTOR, "сокольская")
    await click(running, TUTOR, "Сокольская ЦРБ")
    await click(running, TUTOR, "ЭЛН")
    await click(running, TUTOR, texts.FORMAT_TITLES["webinar"])
    await click(running, TUTOR, "врачи")
    await click(running, TUTOR, texts.BTN_DONE)
    await running.say(TUTOR, "5")
    await running.say(TUTOR, "в следующем месяце")
    await said_to(running, TUTOR.id, texts.REQ_ASK_CONTACT[:30])
    await running.say(TUTOR, "Мария <i>Иванова, 8 921 123-45-67")
    summary = await running.say(TUTOR, "<b>жирный</b> & </i> <a href='x'>")
    text = summary.params["text"]
    assert "&lt;b&gt;жирный&lt;/b&gt; &amp; &lt;/i&gt; &lt;a href=&#x27;x&#x27;&gt;" in text
    assert "Мария &lt;i&gt;Иванова" in text


# -- sessions, exports, the directory ---------------------------------------------------------


async def test_session_without_request_results_and_export(running: RunningBot) -> None:
    await give_roles(running)
    refused = await running.say(TUTOR, "/sessions")
    assert refused.params["text"] == texts.REFUSED.format(role="методист")
    await running.say(METHODIST, "/session")
    await click(running, METHODIST, "ЛИС")
    await click(running, METHODIST, texts.BTN_FOR_ALL)
    past = today() - timedelta(days=3)
    await running.say(METHODIST, f"{past:%d.%m.%Y}")
    await running.say(METHODIST, "25:00")
    assert latest(running, METHODIST.id)["text"] == texts.SCHEDULE_TIME_INVALID
    await running.say(METHODIST, "08:38")
    await click(running, METHODIST, texts.FORMAT_TITLES["webinar"])
    await running.say(METHODIST, "https://vks.example.ru/lis")
    await running.say(METHODIST, "1,5")
    await click(running, METHODIST, texts.BTN_SAVE)
    assert latest(running, METHODIST.id)["text"] == texts.SCHEDULE_SAVED.format(id=1)

    listing = await running.say(METHODIST, "/sessions")
    assert "план 1,5 ч" in listing.params["text"]
    await click(running, METHODIST, texts.BTN_RESULTS.format(id=1))
    bad = await running.say(METHODIST, "0 2")
    assert bad.params["text"] == texts.RESULTS_INVALID
    saved = await running.say(METHODIST, "42 1,5")
    assert saved.params["text"] == texts.RESULTS_SAVED.format(id=1, people=42, hours="1,5")
    listing = await running.say(METHODIST, "/sessions")
    assert texts.SESSIONS_TOTAL.format(sessions=1, people=42, hours="1,5") in listing.params["text"]

    await fill_form(running)
    await submit(running)
    await running.server.push_update("message", message(METHODIST, "/requests_export"))
    await wait_until(lambda: len(running.server.uploads) >= 3)
    xlsx = next(content for name, content in running.server.uploads if name.endswith(".xlsx"))
    book = load_workbook(io.BytesIO(xlsx), read_only=True)
    assert book.sheetnames == ["Заявки", "Занятия"]
    requests_rows = list(book["Заявки"].iter_rows(values_only=True))
    sessions_rows = list(book["Занятия"].iter_rows(values_only=True))
    assert requests_rows[0][0] == "id"
    assert len(requests_rows) == 2
    assert requests_rows[1][10] == "+79211234567"
    assert len(sessions_rows) == 2
    assert sessions_rows[1][8] == 42


async def test_requests_queue_filters(running: RunningBot) -> None:
    await give_roles(running)
    await fill_form(running)
    first = await submit(running)
    await fill_form(running)
    second = await submit(running)
    card = await card_for(running, METHODIST.id, first)
    await press_on(running, METHODIST, card, texts.BTN_TAKE)

    queue = await running.say(METHODIST, "/requests")
    assert "Найдено: 2" in queue.params["text"]
    await click(running, METHODIST, texts.REQUEST_STATUS["new"])
    shown = latest(running, METHODIST.id)["text"]
    assert f"№{second}" in shown
    assert f"№{first} ·" not in shown
    await click(running, METHODIST, texts.BTN_FILTER_RESET)
    await click(running, METHODIST, texts.BTN_FILTER_MINE)
    shown = latest(running, METHODIST.id)["text"]
    assert f"№{first}" in shown
    assert f"№{second} ·" not in shown
    await click(running, METHODIST, texts.BTN_FILTER_TOPIC)
    await click(running, METHODIST, "ЛИС")
    assert texts.REQUESTS_EMPTY in latest(running, METHODIST.id)["text"]
    exact = await running.say(METHODIST, "/requests Сокольская ЦРБ")
    assert "Найдено: 2" in exact.params["text"]
    # A query that fits several МО asks which one.
    several = await running.say(METHODIST, "/requests сокольская")
    assert {"Сокольская ЦРБ", "Сокольская СП"} <= set(button_texts(several.params["reply_markup"]))
    await click(running, METHODIST, "Сокольская СП")
    assert "Найдено: 0" in latest(running, METHODIST.id)["text"]
    await running.say(METHODIST, "/requests сокольская")
    await click(running, METHODIST, "Сокольская ЦРБ")
    assert "Найдено: 2" in latest(running, METHODIST.id)["text"]
    # Forged filter data falls back to "all" instead of failing.
    await running.press(
        METHODIST,
        ReviewCallback(action=ReviewAction.FILTER, value="zz.qq.x.<b>").pack(),
        latest(running, METHODIST.id),
    )
    assert "Найдено: 2" in latest(running, METHODIST.id)["text"]


async def test_admin_edits_and_replaces_the_mo_directory(running: RunningBot) -> None:
    await give_roles(running)
    refused = await running.say(METHODIST, "/mo")
    assert refused.params["text"] == texts.REFUSED.format(role="администратор")
    found = await running.say(ADMIN, "/mo сокольская")
    assert "Сокольская ЦРБ" in button_texts(found.params["reply_markup"])
    await click(running, ADMIN, "Сокольская ЦРБ")
    await click(running, ADMIN, f"✏️ {texts.ORG_FIELDS['staff']}")
    bad = await running.say(ADMIN, "много")
    assert bad.params["text"].startswith("Не подходит")
    seen = len(running.server.calls)
    await running.say(ADMIN, "815")
    await said_to(running, ADMIN.id, "Численность персонала: 815", seen)

    await running.say(ADMIN, "/mo")
    await click(running, ADMIN, texts.BTN_ORG_IMPORT)
    content = (
        "name,short_name,district,type,staff\n"
        "БУЗ ВО «Сокольская ЦРБ»,Сокольская ЦРБ,Сокольский,crb,820\n"
        "БУЗ ВО «Новая больница»,Новая,Вологда,hospital,\n"
    ).encode()
    running.server.files["mo-file"] = content
    document = {
        "file_id": "mo-file",
        "file_unique_id": "u-mo",
        "file_name": "mo.csv",
        "file_size": len(content),
    }
    reply = await running.push_and_wait(
        "message", message(ADMIN, None, document=document), ADMIN.id
    )
    assert reply.params["text"] == texts.ORG_IMPORT_DONE.format(created=1, updated=1, hidden=85)
    await running.say(TUTOR, "/request")
    picked = await running.say(TUTOR, "новая")
    assert button_texts(picked.params["reply_markup"]) == ["Новая"]


async def test_staff_cannot_file_requests(running: RunningBot) -> None:
    refused = await running.say(NURSE, "/request")
    assert refused.params["text"] == texts.REFUSED.format(role="тьютор МО")
    assert texts.BTN_REQUEST not in button_texts(
        (await running.say(NURSE, "/start")).params["reply_markup"]
    )
