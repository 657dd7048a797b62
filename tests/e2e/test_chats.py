"""End to end: the chat registry. The bot added to, removed from and migrated between groups;
chats bound to directions with /bind; /chats with each chat's health; the welcome for new
members, written in a form and shown once at a time."""

from __future__ import annotations

import asyncio

from bot import ui
from handlers.chats import texts
from handlers.chats.callbacks import ChatAction, ChatCallback
from storage.chats import ChatRepo
from tests.e2e.helpers import (
    METHODIST,
    add_to_group,
    answer,
    keyboard,
    last,
    make_methodist,
    tap,
    texts_in,
)
from tests.fakes.people import ADMIN, DOCTOR, NURSE, bot_membership, group_chat, message, sticker
from tests.harness import RunningBot, button_data, button_texts


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
    assert refused.params["text"] == ui.REFUSED.format(role="методист")

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
    assert answer.params["text"] == ui.REFUSED.format(role="методист")

    seen = len(running.server.calls)
    await running.press(METHODIST, button_data(shown["reply_markup"], ui.BTN_DONE), shown)
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
    asked = await tap(running, ADMIN, texts.BTN_WELCOME, method="sendMessage")
    assert keyboard(asked) == [ui.BTN_CANCEL]
    saved = await answer(running, ADMIN, "Правила: <b>без персональных данных</b>")
    assert saved.params["text"] == texts.WELCOME_SAVED
    assert not keyboard(saved)

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


async def test_forged_chat_button_changes_nothing(running: RunningBot) -> None:
    forged = ChatCallback(action=ChatAction.TOGGLE, chat_id=-123, topic="eln").pack()
    answer = await running.press(ADMIN, forged)
    assert answer.params["text"] == texts.CHAT_GONE


async def test_bound_chat_says_so_without_gendered_words(running: RunningBot) -> None:
    await make_methodist(running)
    await add_to_group(running, -521, "ЛЛО")
    chat = group_chat(-521, "ЛЛО")
    await running.push_and_wait("message", message(METHODIST, "/bind", chat=chat), -521)
    await running.click(METHODIST, "ЛЛО", -521)
    await running.quiet()
    seen = len(running.server.calls)
    await running.click(METHODIST, ui.BTN_DONE, -521)
    done = await running.server.wait_for("editMessageText", after=seen)
    assert done.params["text"] == texts.bind_done("чата «ЛЛО»", "ЛЛО")
    assert "привязан(а)" not in done.params["text"]
    # Nothing bound: said as plainly.
    await running.push_and_wait("message", message(METHODIST, "/bind", chat=chat), -521)
    await running.click(METHODIST, "✅ ЛЛО", -521)
    await running.quiet()
    seen = len(running.server.calls)
    await running.click(METHODIST, ui.BTN_DONE, -521)
    none = await running.server.wait_for("editMessageText", after=seen)
    assert none.params["text"] == texts.bind_done("чата «ЛЛО»", "")


async def test_welcome_form_refuses_commands_labels_and_stickers(running: RunningBot) -> None:
    await make_methodist(running)
    await add_to_group(running, -531, "МО Сокол")
    await running.say(METHODIST, "/chats")
    await tap(running, METHODIST, "МО Сокол")
    asked = await tap(running, METHODIST, texts.BTN_WELCOME, method="sendMessage")
    assert asked.params["text"].startswith("👋 <b>Приветствие для чата «МО Сокол»</b>")
    refused = await answer(running, METHODIST, "/nosuchcommand")
    assert texts.NOT_AN_ANSWER in refused.params["text"]
    wrong = await running.push_and_wait(
        "message", sticker(METHODIST), METHODIST.id, "editMessageText"
    )
    assert ui.TEXT_EXPECTED in wrong.params["text"]
    long = await answer(running, METHODIST, "слово " * 200)
    assert texts.WELCOME_TOO_LONG in long.params["text"]
    # A menu label does what it always does and never becomes the welcome.
    catalog = await running.say(METHODIST, ui.BTN_CATALOG)
    assert "Каталог" in catalog.params["text"]
    assert running.db is not None
    chat = await ChatRepo(running.db).get(-531)
    assert chat is not None
    assert chat.welcome_text is None
    # The card under which the form opened lost its buttons with it: /chats again.
    await running.say(METHODIST, "/chats")
    await tap(running, METHODIST, "МО Сокол")
    cancelled_form = await tap(running, METHODIST, texts.BTN_WELCOME, method="sendMessage")
    assert keyboard(cancelled_form) == [ui.BTN_CANCEL]
    await tap(running, METHODIST, ui.BTN_CANCEL, method="editMessageReplyMarkup")
    chat = await ChatRepo(running.db).get(-531)
    assert chat is not None
    assert chat.welcome_text is None


def test_counts_in_the_chats_header_agree() -> None:
    assert texts.chats_header(1, 3, 1, 1) == "<b>Чаты</b>: 1 активный из 3, стр. 1 из 1:"
    assert texts.chats_header(5, 21, 1, 3) == "<b>Чаты</b>: 5 активных из 21, стр. 1 из 3:"
