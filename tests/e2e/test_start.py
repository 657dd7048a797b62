"""End to end, the way in and out: /start, /help, /cancel, deep links, groups, the first run."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram.filters import Command
from aiogram.types import Message

from bot import ui
from handlers.start import texts as start_texts
from handlers.start.callbacks import StartAction, StartCallback
from storage.catalog import CatalogRepo
from storage.users import Role, UserRepo
from tests.fakes.people import ADMIN, NURSE, Person, message
from tests.fakes.telegram_server import FakeTelegram
from tests.harness import RunningBot, button_texts, make_settings


async def role_of(running: RunningBot, user_id: int) -> Role | None:
    assert running.db is not None
    record = await UserRepo(running.db).get(user_id)
    return record.role if record else None


async def test_start_menus_differ_for_new_user_and_admin(running: RunningBot) -> None:
    nurse = await running.say(NURSE, "/start")
    admin = await running.say(ADMIN, "/start")

    assert nurse.params["text"].startswith("Здравствуйте, Ольга!")
    staff_menu = [
        ui.BTN_SEARCH_HINT,
        ui.BTN_CATALOG,
        ui.BTN_SUBSCRIPTIONS,
        ui.BTN_HELP,
    ]
    assert button_texts(nurse.params["reply_markup"]) == staff_menu
    assert "Ваша роль: администратор" in admin.params["text"]
    assert button_texts(admin.params["reply_markup"]) == [
        ui.BTN_SEARCH_HINT,
        ui.BTN_CATALOG,
        ui.BTN_SUBSCRIPTIONS,
        ui.BTN_REQUEST,
        ui.BTN_MY_REQUESTS,
        ui.BTN_STATS,
        ui.BTN_ROLES,
        ui.BTN_HELP,
    ]
    assert await role_of(running, NURSE.id) is Role.STAFF


async def test_help_lists_only_commands_of_the_role(running: RunningBot) -> None:
    nurse = await running.say(NURSE, ui.BTN_HELP)
    admin = await running.say(ADMIN, "/help")

    assert "/start" in nurse.params["text"]
    assert "/grant" not in nurse.params["text"]
    assert "/grant" in admin.params["text"]
    assert "/roles" in admin.params["text"]


async def test_help_says_first_that_one_can_just_type_and_shows_the_inline_way(
    running: RunningBot,
) -> None:
    help_ = (await running.say(NURSE, "/help")).params["text"]
    lines = help_.split("\n")
    assert lines[2] == start_texts.HELP_JUST_TYPE
    assert "<code>@mct_test_bot запрос</code>" in help_
    assert help_.index(start_texts.HELP_JUST_TYPE) < help_.index("/start")
    assert "Ваша роль: сотрудник." in help_


async def test_commands_registered_per_scope_at_startup(running: RunningBot) -> None:
    scopes = {
        (c.params["scope"]["type"], c.params["scope"].get("chat_id")): [
            cmd["command"] for cmd in c.params["commands"]
        ]
        for c in running.server.calls_of("setMyCommands")
    }
    assert "grant" not in scopes[("all_private_chats", None)]
    assert scopes[("all_group_chats", None)] == ["help", "find"]
    assert "grant" in scopes[("chat", ADMIN.id)]


async def test_cancel_leaves_the_form(running: RunningBot) -> None:
    await running.say(ADMIN, "/grant")
    cancelled = await running.say(ADMIN, "/cancel")
    assert cancelled.params["text"] == start_texts.CANCELLED
    nothing = await running.say(ADMIN, "/cancel")
    assert nothing.params["text"] == start_texts.NOTHING_TO_CANCEL

    # Out of the form, the same text is an ordinary search again.
    after = await running.say(ADMIN, str(NURSE.id))
    assert after.params["text"].startswith("По запросу «2002» ничего не нашлось")


async def test_failing_handler_apologises_and_bot_keeps_serving(running: RunningBot) -> None:
    async def boom(message: Message) -> None:
        raise RuntimeError("simulated failure")

    assert running.dp is not None
    # Handlers on the dispatcher itself are tried before any router.
    running.dp.message.register(boom, Command("boom"))

    apology = await running.say(NURSE, "/boom")
    assert apology.params["text"] == ui.APOLOGY

    greeting = await running.say(NURSE, "/start")
    assert greeting.params["text"].startswith("Здравствуйте")


async def test_html_in_names_is_escaped(running: RunningBot) -> None:
    mischief = Person(4004, "<b>Вася</b>", "vasya_x")
    answer = await running.say(mischief, "/start")
    assert "&lt;b&gt;Вася&lt;/b&gt;" in answer.params["text"]


async def test_unknown_deep_link_gets_menu(running: RunningBot) -> None:
    answer = await running.say(NURSE, "/start zz_broken")
    assert answer.params["text"] == ui.BAD_DEEPLINK
    assert ui.BTN_CATALOG in button_texts(answer.params["reply_markup"])


async def test_help_deep_link(running: RunningBot) -> None:
    answer = await running.say(NURSE, "/start help_start")
    assert answer.params["text"].startswith("<b>Как пользоваться ботом</b>")


async def test_bot_stays_quiet_in_groups_about_plain_text(running: RunningBot) -> None:
    group = {"id": -1001234, "type": "supergroup", "title": "РМИС: стационар"}
    seen = len(running.server.calls)
    await running.server.push_update("message", message(NURSE, "всем привет", chat=group))
    help_ = await running.push_and_wait("message", message(NURSE, "/help", chat=group), -1001234)

    assert "/help" in help_.params["text"]
    # Read by the whole group: the person's role is not shown there.
    assert "Ваша роль" not in help_.params["text"]
    sent_to_group = [c for c in running.server.calls[seen:] if c.params.get("chat_id") == -1001234]
    assert len(sent_to_group) == 1
    started = await running.push_and_wait("message", message(NURSE, "/start", chat=group), -1001234)
    assert started.params["text"].startswith("Здравствуйте! Я бот учебного центра МЦТ.")
    assert "https://t.me/mct_test_bot" in started.params["text"]


async def test_users_are_stored_with_64_bit_ids(running: RunningBot) -> None:
    big = Person(7_000_000_000_123, "Мария")
    await running.say(big, "/start")
    assert running.db is not None
    record = await UserRepo(running.db).get(big.id)
    assert record is not None
    assert record.first_name == "Мария"


async def test_stale_callback_is_answered(running: RunningBot) -> None:
    answer = await running.press(NURSE, "zz:unknown")
    assert answer.params["text"] == ui.STALE_BUTTON


async def test_command_registration_failure_does_not_stop_startup(
    server: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server.fail("setMyCommands", 500, "Internal Server Error", times=10)
    bot = await RunningBot(server, make_settings(tmp_path, telegram_api_url=server.url)).start()
    try:
        answer = await bot.say(NURSE, "/start")
        assert answer.params["text"].startswith("Здравствуйте, Ольга!")
    finally:
        await bot.stop()
    assert "could not register command menus" in caplog.text


async def test_an_admin_starting_an_empty_bot_can_load_the_demo_catalog_with_one_button(
    running: RunningBot,
) -> None:
    assert running.db is not None
    repo = CatalogRepo(running.db)
    await running.say(ADMIN, "/start")
    offer = await running.server.wait_for(
        "sendMessage", lambda c: c.params["text"] == start_texts.DEMO_OFFER
    )
    assert button_texts(offer.params["reply_markup"]) == [start_texts.BTN_LOAD_DEMO]
    # Not for staff: neither the offer nor the button.
    await running.say(NURSE, "/start")
    await running.quiet()
    assert start_texts.DEMO_OFFER not in [
        m.get("text") for m in running.server.chat_messages(NURSE.id)
    ]
    forged = StartCallback(action=StartAction.LOAD_DEMO).pack()
    refused = await running.press(NURSE, forged)
    assert refused.params["text"] == ui.REFUSED.format(role="администратор")
    assert await repo.count() == 0

    await running.click(ADMIN, start_texts.BTN_LOAD_DEMO)
    loaded = await running.server.wait_for(
        "editMessageText", lambda c: c.params["chat_id"] == ADMIN.id
    )
    assert loaded.params["text"] == start_texts.DEMO_LOADED.format(count="36 материалов")
    assert await repo.count() == 36
    # Once the catalog has materials, /start offers nothing more.
    seen = len(running.server.calls)
    await running.say(ADMIN, "/start")
    await running.quiet()
    assert not [c for c in running.server.calls[seen:] if "демо" in c.params.get("text", "")]
