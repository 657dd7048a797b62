"""End to end: methodologists compose broadcasts in a form (one message, edited; Back and
Cancel; an exact preview; now or at a time), list, cancel, recall and resend them; the delivery
engine's limits and catch-up as broadcasts meet them; everyone's subscriptions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import ui
from handlers.broadcasts import texts
from handlers.broadcasts.callbacks import BroadcastAction, BroadcastCallback, SubscribeCallback
from storage.announcements import AnnouncementRepo, Content, Kind, Status, Targets
from storage.chats import ChatRepo
from storage.users import Role, UserRepo
from tests.e2e.helpers import (
    METHODIST,
    add_to_group,
    answer,
    drive,
    has_back_and_cancel,
    keyboard,
    make_methodist,
    scheduler_of,
    tap,
    texts_in,
    wait_until,
)
from tests.fakes.people import ADMIN, NURSE, Person, sticker
from tests.fakes.telegram_server import Call
from tests.harness import RunningBot, button_data

MSK = ZoneInfo("Europe/Moscow")
DELIVERY_FORBIDDEN_CHAT = "бот удалён из чата или не может в нём писать"


async def compose_to_all(running: RunningBot, person: Person, text: str, **extra: Any) -> None:
    """/broadcast, the content, «Все чаты», «Далее»: the preview and the last step are shown."""
    await running.say(person, "/broadcast")
    targets = await answer(running, person, text, **extra)
    assert "Кому отправить?" in targets.params["text"]
    await tap(running, person, texts.BTN_ALL_CHATS)
    await tap(running, person, ui.BTN_NEXT, method="sendMessage")
    await running.server.wait_for(
        "sendMessage",
        lambda c: c.params["chat_id"] == person.id and "Получателей" in c.params["text"],
    )


def report_of(running: RunningBot, person: Person) -> Any:
    return running.server.wait_for(
        "sendMessage",
        lambda c: c.params["chat_id"] == person.id and c.params["text"].startswith("📊"),
        timeout=30,
    )


async def test_broadcast_to_22_chats_with_a_403_and_a_migration(running: RunningBot) -> None:
    server = running.server
    ids = [-700 - i for i in range(22)]
    for chat_id in ids:
        await add_to_group(running, chat_id, f"Чат МО {-chat_id}")
    server.fail(
        "sendMessage",
        403,
        "Forbidden: bot was kicked from the group chat",
        when=lambda p: p["chat_id"] == -705,
        times=5,
    )
    server.fail(
        "sendMessage",
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        parameters={"migrate_to_chat_id": -1000710},
        when=lambda p: p["chat_id"] == -710,
    )

    bold = [{"type": "bold", "offset": 0, "length": 5}]
    await compose_to_all(running, ADMIN, "Важно: обновление РМИС <в пятницу>", entities=bold)
    sent_as = "<b>Важно</b>: обновление РМИС &lt;в пятницу&gt;"
    preview = [m for m in server.chat_messages(ADMIN.id) if "Важно" in (m.get("text") or "")]
    assert preview[-1]["text"] == sent_as
    await tap(running, ADMIN, texts.BTN_SEND_NOW)

    report = await report_of(running, ADMIN)
    assert "Доставлено 21 из 22, не доставлено 1." in report.params["text"]
    assert f"❌ Чат МО 705 — {DELIVERY_FORBIDDEN_CHAT}" in report.params["text"]
    for chat_id in ids:
        got = [t for t in texts_in(server, chat_id) if t == sent_as]
        assert len(got) == (0 if chat_id in (-705, -710) else 1), chat_id
    assert [t for t in texts_in(server, -1000710) if "Важно" in t]
    assert running.db is not None
    chats = ChatRepo(running.db)
    migrated = await chats.get(-1000710)
    assert migrated is not None
    assert migrated.active
    assert migrated.last_post_at is not None
    lost = await chats.get(-705)
    assert lost is not None
    assert lost.active is False
    assert any(
        "Чат МО 705" in t and "Чат помечен неактивным" in t for t in texts_in(server, ADMIN.id)
    )


async def test_broadcast_obeys_limits_and_retry_after(paced: RunningBot) -> None:
    running = paced
    server = running.server
    assert running.db is not None
    await add_to_group(running, -801, "Группа 1")
    await add_to_group(running, -802, "Группа 2")
    users = UserRepo(running.db)
    chats = ChatRepo(running.db)
    people = list(range(50_001, 50_036))
    for person in people:
        await users.set_role(person, Role.TUTOR, changed_by=None)
        await chats.toggle_subscription(person, "eln")
    server.enforce_limits = True
    server.fail(
        "sendMessage",
        429,
        "Too Many Requests: retry after 2",
        parameters={"retry_after": 2},
        when=lambda p: p["chat_id"] == 50_003,
    )
    repo = AnnouncementRepo(running.db)
    for n in (1, 2):
        await repo.create(
            Kind.BROADCAST,
            Content(text=f"Объявление {n}"),
            Targets(all_chats=True, subscribers=True),
        )
    assert running.dp is not None
    running.dp.workflow_data["delivery"].kick()

    def delivered() -> int:
        return sum(
            1
            for chat in [-801, -802, *people]
            for t in texts_in(server, chat)
            if t.startswith("Объявление")
        )

    await wait_until(lambda: delivered() == 2 * 37, timeout=30)
    assert server.rate_limited == 0
    limited = [
        c for c in server.calls if c.method == "sendMessage" and c.params["chat_id"] == 50_003
    ]
    assert limited[1].at - limited[0].at >= 2.0
    for chat in (-801, -802):
        sends = [
            c.at
            for c in server.calls
            if c.method == "sendMessage"
            and c.params["chat_id"] == chat
            and str(c.params.get("text", "")).startswith("Объявление")
        ]
        assert sends[1] - sends[0] >= 1.0


async def test_recall_and_staff_cannot_cancel_or_recall(running: RunningBot) -> None:
    server = running.server
    for chat_id in (-901, -902):
        await add_to_group(running, chat_id)
    await compose_to_all(running, ADMIN, "Отзовём это")
    await tap(running, ADMIN, texts.BTN_SEND_NOW)
    await report_of(running, ADMIN)
    assert running.db is not None
    number = (await AnnouncementRepo(running.db).recent(1))[0].id

    for action in (BroadcastAction.CANCEL, BroadcastAction.RECALL_CONFIRM):
        forged = BroadcastCallback(action=action, id=number).pack()
        refused = await running.press(NURSE, forged)
        assert refused.params["text"] == ui.REFUSED.format(role="методист")
    staff = await running.say(NURSE, "/broadcast")
    assert staff.params["text"] == ui.REFUSED.format(role="методист")
    assert len([t for t in texts_in(server, -901) if t == "Отзовём это"]) == 1

    listing = await running.say(ADMIN, "/broadcasts")
    assert f"№{number} · ✅ отправлено" in listing.params["text"]
    report = await tap(running, ADMIN, f"№{number}")
    assert "Доставлено 2 из 2" in report.params["text"]
    asked = await tap(running, ADMIN, texts.BTN_RECALL)
    assert asked.params["text"] == texts.recall_ask(number, 2)
    assert "2 сообщения" in asked.params["text"]
    seen = len(server.calls)
    await tap(running, ADMIN, texts.BTN_RECALL_YES)
    await server.wait_for("deleteMessage", lambda c: c.params["chat_id"] == -902, after=seen)
    await wait_until(
        lambda: (
            not [t for t in texts_in(server, -901) + texts_in(server, -902) if t == "Отзовём это"]
        )
    )
    announcement = await AnnouncementRepo(running.db).get(number)
    assert announcement is not None
    assert announcement.status is Status.RECALLED


async def test_scheduled_broadcast_and_subscribers(running: RunningBot) -> None:
    server = running.server
    subscribed = await running.say(NURSE, ui.BTN_SUBSCRIPTIONS)
    assert subscribed.params["text"] == texts.SUBSCRIBE_PICK
    await tap(running, NURSE, "ЛИС")
    done = await tap(running, NURSE, ui.BTN_DONE)
    assert done.params["text"] == texts.SUBSCRIBE_DONE.format(topics="ЛИС")

    await running.say(ADMIN, "/broadcast")
    await answer(running, ADMIN, "Для подписчиков ЛИС")
    await tap(running, ADMIN, texts.BTN_BY_TOPICS)
    await tap(running, ADMIN, "ЛИС")
    await tap(running, ADMIN, ui.BTN_DONE)
    await tap(running, ADMIN, texts.BTN_SUBSCRIBERS.format(state=texts.NO))
    await tap(running, ADMIN, ui.BTN_NEXT, method="sendMessage")
    confirm = await server.wait_for(
        "sendMessage",
        lambda c: c.params["chat_id"] == ADMIN.id and "Получателей: 1" in c.params["text"],
    )
    assert confirm
    asked = await tap(running, ADMIN, texts.BTN_SCHEDULE)
    assert has_back_and_cancel(asked)
    # The example is a date to come, never one that has passed.
    tomorrow = datetime.now(MSK) + timedelta(days=1)
    assert f"{tomorrow:%d.%m} 10:00" in asked.params["text"]
    past = await answer(running, ADMIN, "01.01.2020 10:00")
    assert texts.TIME_PAST in past.params["text"]
    nonsense = await answer(running, ADMIN, "когда-нибудь")
    assert "Не понял дату и время" in nonsense.params["text"]
    when = datetime.now(MSK) + timedelta(days=2)
    scheduled = await answer(running, ADMIN, when.strftime("%d.%m.%Y %H:%M"))
    assert scheduled.params["text"].startswith("🕒 Объявление №")
    number = int(scheduled.params["text"].split("№")[1].split()[0])
    assert f"broadcast:{number}" in dict(scheduler_of(running).next_runs())
    # The form is closed: its message keeps the outcome and no buttons.
    assert not keyboard(scheduled)

    # The moment comes (the clock is driven, not waited for).
    await drive(running, when.replace(second=0) + timedelta(minutes=1))
    await wait_until(lambda: "Для подписчиков ЛИС" in texts_in(server, NURSE.id))
    # A second run of the same moment sends nothing more.
    await drive(running, when + timedelta(minutes=2))
    assert texts_in(server, NURSE.id).count("Для подписчиков ЛИС") == 1


async def test_missed_broadcast_after_restart(running: RunningBot) -> None:
    server = running.server
    await add_to_group(running, -951, "Чат")
    assert running.db is not None
    repo = AnnouncementRepo(running.db)
    # Two posts that came due while the bot was down: 30 minutes ago and 2 hours ago.
    now = datetime.now(UTC)
    recent = await repo.create(
        Kind.BROADCAST,
        Content(text="Полчаса назад"),
        Targets(all_chats=True),
        created_by=ADMIN.id,
        scheduled_at=(now - timedelta(minutes=30)).isoformat(timespec="seconds"),
    )
    old = await repo.create(
        Kind.BROADCAST,
        Content(text="Два часа назад"),
        Targets(all_chats=True),
        created_by=ADMIN.id,
        scheduled_at=(now - timedelta(hours=2)).isoformat(timespec="seconds"),
    )
    assert recent is not None
    assert old is not None
    await running.stop()
    await running.start()
    await wait_until(lambda: "Полчаса назад" in texts_in(server, -951))
    await wait_until(
        lambda: any(f"№{old[0]}" in t and "не отправлено" in t for t in texts_in(server, ADMIN.id))
    )
    await running.stop()
    await running.start()
    await asyncio.sleep(0.5)
    assert texts_in(server, -951).count("Полчаса назад") == 1
    assert "Два часа назад" not in texts_in(server, -951)
    assert running.db is not None
    missed = await AnnouncementRepo(running.db).get(old[0])
    assert missed is not None
    assert missed.status is Status.MISSED


async def test_forged_subscribe_button_changes_nothing(running: RunningBot) -> None:
    refused = await running.press(NURSE, SubscribeCallback(topic="nonexistent").pack())
    assert refused.params["text"] == ui.STALE_BUTTON
    assert running.db is not None
    assert await ChatRepo(running.db).subscriptions(NURSE.id) == set()


# -- the form --------------------------------------------------------------------------------------


def _new_messages(running: RunningBot, person: Person, seen: int) -> list[Call]:
    return [
        c
        for c in running.server.calls[seen:]
        if c.method in ("sendMessage", "sendPhoto", "sendDocument")
        and c.params.get("chat_id") == person.id
    ]


async def test_chosen_chats_one_message_with_back_and_cancel(running: RunningBot) -> None:
    """The form is one message, edited; every step after the first has Back and Cancel; the
    chats are ticked in a list; a person's journey to chosen chats is counted."""
    await make_methodist(running)
    for n in range(1, 4):
        await add_to_group(running, -1400 - n, f"МО {n}")
    seen = len(running.server.calls)
    taps = 1
    first = await running.say(METHODIST, "/broadcast")
    assert first.params["text"] == texts.ASK_CONTENT
    assert keyboard(first) == [ui.BTN_CANCEL]
    taps += 1
    targets = await answer(running, METHODIST, "Собрание в пятницу")
    assert targets.method == "editMessageText"
    assert has_back_and_cancel(targets)
    taps += 1
    pick = await tap(running, METHODIST, texts.BTN_BY_CHATS)
    assert pick.params["text"] == texts.PICK_CHATS
    assert {"МО 1", "МО 2", "МО 3"} <= set(keyboard(pick))
    assert has_back_and_cancel(pick)
    for name in ("МО 1", "МО 3"):
        taps += 1
        ticked = await tap(running, METHODIST, name)
        assert f"✅ {name}" in keyboard(ticked)
    taps += 1
    back = await tap(running, METHODIST, ui.BTN_DONE)
    assert "• Выбранные чаты: 2 чата" in back.params["text"]
    taps += 1
    await tap(running, METHODIST, ui.BTN_NEXT, method="sendMessage")
    await running.quiet()
    confirm = running.shown(METHODIST)
    assert "Получателей: 2" in confirm["text"]
    assert [b["text"] for b in confirm["reply_markup"]["inline_keyboard"][-1]] == [
        ui.BTN_BACK,
        ui.BTN_CANCEL,
    ]
    taps += 1
    sent = await tap(running, METHODIST, texts.BTN_SEND_NOW)
    assert sent.params["text"] == texts.queued(sent_id(sent), 2)
    await running.quiet()
    messages = _new_messages(running, METHODIST, seen)
    edits = [
        c
        for c in running.server.calls[seen:]
        if c.method.startswith("edit") and c.params.get("chat_id") == METHODIST.id
    ]
    # /broadcast, the content, «Выбрать чаты», two chats, «Готово», «Далее», «Отправить».
    assert taps == 8
    report = [m for m in messages if str(m.params.get("text", "")).startswith("📊")]
    messages = [m for m in messages if m not in report]
    # The form, the exact preview, and the form's last step moved below the preview; the
    # delivery report comes when the chats have it.
    assert len(messages) == 3, [m.params.get("text") for m in messages]
    print(
        f"\nFIGURES broadcast to chosen chats: taps={taps} messages={len(messages)}"
        f" edits={len(edits)}"
    )
    for chat_id in (-1401, -1403):
        await wait_until(lambda c=chat_id: "Собрание в пятницу" in texts_in(running.server, c))
    assert "Собрание в пятницу" not in texts_in(running.server, -1402)


def sent_id(call: Call) -> int:
    return int(str(call.params["text"]).split("№")[1].split()[0])


async def test_back_returns_and_cancel_says_nothing_was_sent(running: RunningBot) -> None:
    await make_methodist(running)
    await add_to_group(running, -1501, "МО")
    await running.say(METHODIST, "/broadcast")
    await answer(running, METHODIST, "Первый текст")
    again = await tap(running, METHODIST, ui.BTN_BACK)
    assert again.params["text"].startswith(texts.ASK_CONTENT)
    assert "Первый текст" in again.params["text"]
    await answer(running, METHODIST, "Второй текст")
    await tap(running, METHODIST, texts.BTN_ALL_CHATS)
    await tap(running, METHODIST, ui.BTN_NEXT, method="sendMessage")
    await running.quiet()
    # Back from the preview: the preview goes, the draft stays.
    seen = len(running.server.calls)
    await tap(running, METHODIST, ui.BTN_BACK)
    await running.server.wait_for("deleteMessage", after=seen)
    assert "Второй текст" not in texts_in(running.server, METHODIST.id)
    cancelled = await tap(running, METHODIST, ui.BTN_CANCEL)
    assert cancelled.params["text"] == texts.DISCARDED
    await running.quiet()
    assert not running.shown(METHODIST).get("reply_markup", {}).get("inline_keyboard")
    assert running.db is not None
    assert await AnnouncementRepo(running.db).recent(5) == []
    assert "Второй текст" not in texts_in(running.server, -1501)


async def test_commands_and_menu_labels_are_never_the_content(running: RunningBot) -> None:
    await make_methodist(running)
    await add_to_group(running, -1601, "МО")
    await running.say(METHODIST, "/broadcast")
    refused = await answer(running, METHODIST, "/nosuchcommand")
    assert texts.NOT_AN_ANSWER in refused.params["text"]
    wrong = await running.push_and_wait(
        "message", sticker(METHODIST), METHODIST.id, "editMessageText"
    )
    assert texts.CONTENT_INVALID in wrong.params["text"]
    # A menu label does what it always does; the form steps aside and keeps its draft.
    catalog = await running.say(METHODIST, ui.BTN_CATALOG)
    assert "Каталог" in catalog.params["text"]
    resumed = await running.say(METHODIST, "/broadcast")
    assert resumed.params["text"].startswith("📝 Продолжаем")
    await answer(running, METHODIST, "Настоящий текст")
    await tap(running, METHODIST, texts.BTN_ALL_CHATS)
    await tap(running, METHODIST, ui.BTN_NEXT, method="sendMessage")
    await running.quiet()
    await tap(running, METHODIST, texts.BTN_SEND_NOW)
    await wait_until(lambda: "Настоящий текст" in texts_in(running.server, -1601))
    assert all(ui.BTN_CATALOG not in t for t in texts_in(running.server, -1601))


async def test_a_button_of_an_older_message_works_while_a_form_is_open(
    running: RunningBot,
) -> None:
    await make_methodist(running)
    picked = await running.say(METHODIST, ui.BTN_SUBSCRIPTIONS)
    assert picked.params["text"] == texts.SUBSCRIBE_PICK
    await running.say(METHODIST, "/broadcast")
    # The subscriptions are above the open form; their buttons are the feature's, not the form's.
    toggled = await tap(running, METHODIST, "ЛИС")
    assert "✅ ЛИС" in keyboard(toggled)
    # The form did not notice: the next text is still its content.
    targets = await answer(running, METHODIST, "Текст после подписки")
    assert "Кому отправить?" in targets.params["text"]


async def test_sending_twice_sends_once(running: RunningBot) -> None:
    await make_methodist(running)
    await add_to_group(running, -1701, "МО")
    await compose_to_all(running, METHODIST, "Только один раз")
    await running.quiet()
    shown = running.shown(METHODIST)
    send = button_data(shown["reply_markup"], texts.BTN_SEND_NOW)
    await running.press(METHODIST, send, shown)
    again = await running.press(METHODIST, send, shown)
    assert again.params["text"] == ui.STALE_BUTTON
    await wait_until(lambda: "Только один раз" in texts_in(running.server, -1701))
    await running.quiet()
    assert texts_in(running.server, -1701).count("Только один раз") == 1
    assert running.db is not None
    assert len(await AnnouncementRepo(running.db).recent(5)) == 1


async def test_a_press_after_a_crash_between_saving_and_closing_sends_nothing(
    running: RunningBot,
) -> None:
    """The announcement was written, then the bot died before the form closed: the button is
    still live, and pressing it finds what its form made instead of sending again."""
    await make_methodist(running)
    await add_to_group(running, -1801, "МО")
    await compose_to_all(running, METHODIST, "Пережили падение")
    await running.quiet()
    shown = running.shown(METHODIST)
    send = button_data(shown["reply_markup"], texts.BTN_SEND_NOW)
    intent = send.split("\x1d")[0]
    assert running.db is not None
    repo = AnnouncementRepo(running.db)
    made = await repo.create(
        Kind.BROADCAST,
        Content(text="Пережили падение", ref=f"form:{intent}"),
        Targets(all_chats=True),
        created_by=METHODIST.id,
    )
    assert made is not None
    seen = len(running.server.calls)
    await running.press(METHODIST, send, shown)
    closed = await running.server.wait_for("editMessageText", after=seen)
    assert closed.params["text"] == texts.ALREADY_SENT.format(id=made[0])
    assert not keyboard(closed)
    assert len(await repo.recent(5)) == 1


async def test_a_photo_with_a_caption_is_previewed_and_sent_as_a_photo(running: RunningBot) -> None:
    await make_methodist(running)
    await add_to_group(running, -1901, "МО")
    photo = [
        {"file_id": "AgAC-poster", "file_unique_id": "uniq-poster", "width": 800, "height": 600}
    ]
    await running.say(METHODIST, "/broadcast")
    seen = len(running.server.calls)
    targets = await answer(running, METHODIST, None, photo=photo, caption="Афиша вебинара")
    assert "Кому отправить?" in targets.params["text"]
    await tap(running, METHODIST, texts.BTN_ALL_CHATS)
    await tap(running, METHODIST, ui.BTN_NEXT, method="sendMessage")
    preview = await running.server.wait_for("sendPhoto", after=seen)
    assert preview.params["chat_id"] == METHODIST.id
    assert preview.params["caption"] == "Афиша вебинара"
    await running.quiet()
    seen = len(running.server.calls)
    await tap(running, METHODIST, texts.BTN_SEND_NOW)
    posted = await running.server.wait_for(
        "sendPhoto", lambda c: c.params["chat_id"] == -1901, after=seen
    )
    assert posted.params["caption"] == "Афиша вебинара"
    assert posted.params["photo"] == "AgAC-poster"
