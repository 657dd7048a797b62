"""End to end: the chat registry, broadcasts and the delivery engine, driven through the fake Bot
API with the bot polling it exactly as it polls Telegram. (The VKS 8.38 is in test_vks.py.)"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import texts
from bot.callbacks import (
    BroadcastAction,
    BroadcastCallback,
    ChatAction,
    ChatCallback,
    SubscribeCallback,
)
from bot.scheduler import Scheduler
from storage.announcements import AnnouncementRepo, Content, Kind, Status, Targets
from storage.chats import ChatRepo
from storage.users import Role, UserRepo
from tests.conftest import RunningBot, button_data, button_texts
from tests.fakes.people import (
    ADMIN,
    DOCTOR,
    NURSE,
    Person,
    bot_membership,
    group_chat,
    message,
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


def scheduler_of(running: RunningBot) -> Scheduler:
    assert running.dp is not None
    scheduler = running.dp.workflow_data["scheduler"]
    assert isinstance(scheduler, Scheduler)
    return scheduler


# -- the registry -----------------------------------------------------------------------------


async def test_bot_added_removed_and_migrated_keeps_settings(running: RunningBot) -> None:
    greeting = await add_to_group(running, -501, "ЛИС — вопросы")
    assert greeting.params["text"] == texts.CHAT_ADDED
    assert running.db is not None
    chats = ChatRepo(running.db)
    await chats.toggle_binding(-501, 0, "lis")

    # A group upgraded to a supergroup: the service message carries the new id.
    await running.server.push_update(
        "message",
        message(ADMIN, chat=group_chat(-501, "ЛИС — вопросы"), migrate_to_chat_id=-1000501),
    )
    moved = None
    for _ in range(100):
        if (moved := await chats.get(-1000501)) is not None:
            break
        await asyncio.sleep(0.05)
    assert moved is not None
    assert moved.bindings == {0: ["lis"]}
    assert moved.type == "supergroup"
    assert await chats.get(-501) is None

    # Removed: inactive, and the admins are told.
    update = bot_membership(
        ADMIN,
        group_chat(-1000501, "ЛИС — вопросы"),
        "kicked",
        running.server.bot_user,
        old="member",
    )
    told = await running.push_and_wait("my_chat_member", update, ADMIN.id)
    assert "ЛИС — вопросы" in told.params["text"]
    assert texts.CHAT_REMOVED_REASON in told.params["text"]
    gone = await chats.get(-1000501)
    assert gone is not None
    assert gone.active is False

    listing = await running.say(ADMIN, "/chats")
    assert "⛔ <b>ЛИС — вопросы</b>" in listing.params["text"]
    assert "неактивен" in listing.params["text"]


async def test_bind_in_a_group_and_refusal_for_staff(running: RunningBot) -> None:
    await make_methodist(running)
    await add_to_group(running, -502, "ЭЛН")
    chat = group_chat(-502, "ЭЛН")

    refused = await running.push_and_wait("message", message(NURSE, "/bind", chat=chat), -502)
    assert refused.params["text"] == texts.REFUSED.format(role="методист")

    picker = await running.push_and_wait("message", message(METHODIST, "/bind", chat=chat), -502)
    assert "чата «ЭЛН»" in picker.params["text"]
    shown = last(running, -502)
    seen = len(running.server.calls)
    await running.press(METHODIST, button_data(shown["reply_markup"], "ЭЛН"), shown)
    toggled = await running.server.wait_for("editMessageText", after=seen)
    assert "✅ ЭЛН" in button_texts(toggled.params["reply_markup"])

    # A staff member pressing the same button changes nothing.
    shown = last(running, -502)
    answer = await running.press(NURSE, button_data(shown["reply_markup"], "✅ ЭЛН"), shown)
    assert answer.params["text"] == texts.REFUSED.format(role="методист")

    seen = len(running.server.calls)
    await running.press(METHODIST, button_data(shown["reply_markup"], texts.BTN_DONE), shown)
    done = await running.server.wait_for("editMessageText", after=seen)
    assert "ЭЛН" in done.params["text"]
    assert running.db is not None
    bound = await ChatRepo(running.db).get(-502)
    assert bound is not None
    assert bound.bindings == {0: ["eln"]}


async def test_chats_lists_health_and_welcome_replaces_the_previous(running: RunningBot) -> None:
    running.server.member_counts[-503] = 41
    await add_to_group(running, -503, "ЦРБ Тотьма")
    listing = await running.say(ADMIN, "/chats")
    assert "✅ <b>ЦРБ Тотьма</b>" in listing.params["text"]
    assert "участников: 41" in listing.params["text"]
    assert "последний пост: ещё не было" in listing.params["text"]

    card = await tap(running, ADMIN, "ЦРБ Тотьма")
    assert texts.BTN_WELCOME in button_texts(card.params["reply_markup"])
    await tap(running, ADMIN, texts.BTN_WELCOME, method="sendMessage")
    saved = await running.say(ADMIN, "Правила: <b>без персональных данных</b>")
    assert saved.params["text"] == texts.WELCOME_SAVED

    chat = group_chat(-503, "ЦРБ Тотьма")
    joined = message(ADMIN, chat=chat, new_chat_members=[NURSE.as_user()])
    first = await running.push_and_wait("message", joined, -503)
    assert "Ольга, добро пожаловать" in first.params["text"]
    # The user's HTML was escaped when stored, so it shows as text, not as markup.
    assert "&lt;b&gt;без персональных данных&lt;/b&gt;" in first.params["text"]
    assert "https://t.me/mct_test_bot" in first.params["text"]
    first_id = last(running, -503)["message_id"]

    joined = message(ADMIN, chat=chat, new_chat_members=[DOCTOR.as_user()])
    seen = len(running.server.calls)
    await running.push_and_wait("message", joined, -503)
    await running.server.wait_for("deleteMessage", after=seen)
    assert (-503, first_id) not in running.server.messages
    welcomes = [t for t in texts_in(running.server, -503) if "добро пожаловать" in t]
    assert len(welcomes) == 1


# -- the scheduler's clock ----------------------------------------------------------------------


async def drive(running: RunningBot, *moments: datetime) -> None:
    """Move the scheduler's clock through ``moments`` and let the engine drain."""
    scheduler = scheduler_of(running)
    for moment in moments:
        await scheduler.run_due(moment)
    await asyncio.sleep(0.5)


def at(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=MSK)


# -- broadcasts -------------------------------------------------------------------------------


async def compose_to_all(running: RunningBot, person: Person, text: str, **extra: Any) -> None:
    await running.say(person, "/broadcast")
    targets = await running.say(person, text, **extra)
    assert "Кому отправить?" in targets.params["text"]
    await tap(running, person, texts.BTN_ALL_CHATS)
    await tap(running, person, texts.BTN_NEXT, method="sendMessage")
    await running.server.wait_for(
        "sendMessage",
        lambda c: c.params["chat_id"] == person.id and "Получателей" in c.params["text"],
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

    report = await server.wait_for(
        "sendMessage",
        lambda c: c.params["chat_id"] == ADMIN.id and c.params["text"].startswith("📊"),
        timeout=30,
    )
    assert "Доставлено 21 из 22, не доставлено 1." in report.params["text"]
    assert f"❌ Чат МО 705 — {texts.DELIVERY_FORBIDDEN_CHAT}" in report.params["text"]
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


async def test_broadcast_obeys_limits_and_retry_after(running: RunningBot) -> None:
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
    await server.wait_for(
        "sendMessage",
        lambda c: c.params["chat_id"] == ADMIN.id and c.params["text"].startswith("📊"),
    )
    assert running.db is not None
    number = (await AnnouncementRepo(running.db).recent(1))[0].id

    for action in (BroadcastAction.CANCEL, BroadcastAction.RECALL_CONFIRM):
        forged = BroadcastCallback(action=action, id=number).pack()
        answer = await running.press(NURSE, forged)
        assert answer.params["text"] == texts.REFUSED.format(role="методист")
    staff = await running.say(NURSE, "/broadcast")
    assert staff.params["text"] == texts.REFUSED.format(role="методист")
    assert len([t for t in texts_in(server, -901) if t == "Отзовём это"]) == 1

    listing = await running.say(ADMIN, "/broadcasts")
    assert f"№{number} · ✅ отправлено" in listing.params["text"]
    report = await tap(running, ADMIN, f"№{number}")
    assert "Доставлено 2 из 2" in report.params["text"]
    await tap(running, ADMIN, texts.BTN_RECALL)
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
    subscribed = await running.say(NURSE, texts.BTN_SUBSCRIPTIONS)
    assert subscribed.params["text"] == texts.SUBSCRIBE_PICK
    await tap(running, NURSE, "ЛИС")
    done = await tap(running, NURSE, texts.BTN_DONE)
    assert done.params["text"] == texts.SUBSCRIBE_DONE.format(topics="ЛИС")

    await running.say(ADMIN, "/broadcast")
    await running.say(ADMIN, "Для подписчиков ЛИС")
    await tap(running, ADMIN, texts.BTN_BY_TOPICS)
    await tap(running, ADMIN, "ЛИС")
    await tap(running, ADMIN, texts.BTN_DONE)
    await tap(running, ADMIN, texts.BTN_SUBSCRIBERS.format(state=texts.NO))
    await tap(running, ADMIN, texts.BTN_NEXT, method="sendMessage")
    confirm = await server.wait_for(
        "sendMessage",
        lambda c: c.params["chat_id"] == ADMIN.id and "Получателей: 1" in c.params["text"],
    )
    assert confirm
    await tap(running, ADMIN, texts.BTN_SCHEDULE, method="sendMessage")
    past = await running.say(ADMIN, "01.01.2020 10:00")
    assert past.params["text"] == texts.BROADCAST_TIME_PAST
    nonsense = await running.say(ADMIN, "когда-нибудь")
    assert nonsense.params["text"] == texts.BROADCAST_TIME_INVALID
    when = datetime.now(MSK) + timedelta(days=2)
    scheduled = await running.say(ADMIN, when.strftime("%d.%m.%Y %H:%M"))
    assert scheduled.params["text"].startswith("🕒 Объявление №")
    number = int(scheduled.params["text"].split("№")[1].split()[0])
    assert f"broadcast:{number}" in dict(scheduler_of(running).next_runs())

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


async def test_forged_chat_and_subscribe_buttons_change_nothing(running: RunningBot) -> None:
    forged = ChatCallback(action=ChatAction.TOGGLE, chat_id=-123, topic="eln").pack()
    answer = await running.press(ADMIN, forged)
    assert answer.params["text"] == texts.CHAT_GONE
    answer = await running.press(NURSE, SubscribeCallback(topic="nonexistent").pack())
    assert answer.params["text"] == texts.STALE_BUTTON
    assert running.db is not None
    assert await ChatRepo(running.db).subscriptions(NURSE.id) == set()
