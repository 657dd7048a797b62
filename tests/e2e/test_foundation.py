"""End to end: the real bot polls the fake Bot API over HTTP; we act as users and read chats."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram.filters import Command
from aiogram.types import Message

from bot import texts
from bot.callbacks import RoleAction, RoleCallback
from storage.users import Role, UserRepo
from tests.conftest import RunningBot, button_data, button_texts, make_settings
from tests.fakes.people import ADMIN, DOCTOR, NURSE, Person, forwarded_from, message, sticker
from tests.fakes.telegram_server import FakeTelegram


async def role_of(running: RunningBot, user_id: int) -> Role | None:
    assert running.db is not None
    record = await UserRepo(running.db).get(user_id)
    return record.role if record else None


async def test_start_menus_differ_for_new_user_and_admin(running: RunningBot) -> None:
    nurse = await running.say(NURSE, "/start")
    admin = await running.say(ADMIN, "/start")

    assert nurse.params["text"].startswith("Здравствуйте, Ольга!")
    staff_menu = [
        texts.BTN_SEARCH_HINT,
        texts.BTN_CATALOG,
        texts.BTN_SUBSCRIPTIONS,
        texts.BTN_HELP,
    ]
    assert button_texts(nurse.params["reply_markup"]) == staff_menu
    assert "Ваша роль: администратор" in admin.params["text"]
    assert button_texts(admin.params["reply_markup"]) == [
        texts.BTN_SEARCH_HINT,
        texts.BTN_CATALOG,
        texts.BTN_SUBSCRIPTIONS,
        texts.BTN_REQUEST,
        texts.BTN_MY_REQUESTS,
        texts.BTN_STATS,
        texts.BTN_ROLES,
        texts.BTN_HELP,
    ]
    assert await role_of(running, NURSE.id) is Role.STAFF


async def test_help_lists_only_commands_of_the_role(running: RunningBot) -> None:
    nurse = await running.say(NURSE, texts.BTN_HELP)
    admin = await running.say(ADMIN, "/help")

    assert "/start" in nurse.params["text"]
    assert "/grant" not in nurse.params["text"]
    assert "/grant" in admin.params["text"]
    assert "/roles" in admin.params["text"]


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


async def test_admin_grants_role_and_person_is_told(running: RunningBot) -> None:
    await running.say(DOCTOR, "/start")  # the bot must know the username first
    seen = len(running.server.calls)

    answer = await running.say(ADMIN, "/grant @igor_doc methodologist")

    assert answer.params["text"].startswith("Готово: Игорь (@igor_doc)")
    assert "теперь методист" in answer.params["text"]
    told = await running.server.wait_for(
        "sendMessage", lambda c: c.params["chat_id"] == DOCTOR.id, after=seen
    )
    assert "методист" in told.params["text"]
    assert await role_of(running, DOCTOR.id) is Role.METHODOLOGIST
    roles = await running.say(ADMIN, "/roles")
    assert "Методисты" in roles.params["text"]
    assert "@igor_doc" in roles.params["text"]


async def test_grant_by_buttons_after_forwarded_message(running: RunningBot) -> None:
    forwarded = forwarded_from(NURSE, by=ADMIN)
    await running.push_and_wait("message", forwarded, ADMIN.id)
    reply = message(ADMIN, "/grant", reply_to_message=forwarded)
    picker = await running.push_and_wait("message", reply, ADMIN.id)

    assert "Какую роль выдать" in picker.params["text"]
    data = button_data(picker.params["reply_markup"], "Тьютор МО")
    shown = running.server.chat_messages(ADMIN.id)[-1]
    await running.press(ADMIN, data, on_message=shown)

    edited = await running.server.wait_for("editMessageText")
    assert "теперь тьютор МО" in edited.params["text"]
    assert await role_of(running, NURSE.id) is Role.TUTOR


async def test_grant_by_non_admin_is_refused_and_nothing_changes(running: RunningBot) -> None:
    answer = await running.say(NURSE, f"/grant {NURSE.id} admin")

    assert answer.params["text"] == texts.REFUSED.format(role="администратор")
    assert await role_of(running, NURSE.id) is Role.STAFF


async def test_forged_grant_callback_is_refused_and_nothing_changes(
    running: RunningBot,
) -> None:
    await running.say(NURSE, "/start")
    forged = RoleCallback(action=RoleAction.SET, user_id=NURSE.id, role=Role.ADMIN).pack()

    answer = await running.press(NURSE, forged)

    assert answer.params["text"] == texts.REFUSED.format(role="администратор")
    assert answer.params["show_alert"] is True
    assert len(running.server.calls_of("answerCallbackQuery")) == 1
    assert await role_of(running, NURSE.id) is Role.STAFF
    assert running.server.calls_of("editMessageText") == []


async def test_admin_from_config_cannot_be_demoted(running: RunningBot) -> None:
    other_admin_cmd = await running.say(ADMIN, f"/revoke {ADMIN.id}")
    assert "ADMIN_IDS" in other_admin_cmd.params["text"]
    assert await role_of(running, ADMIN.id) is Role.ADMIN


async def test_conversation_survives_restart(server: FakeTelegram, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, telegram_api_url=server.url)
    first = await RunningBot(server, settings).start()
    asked = await first.say(ADMIN, "/grant")
    assert asked.params["text"] == texts.GRANT_ASK_PERSON
    await first.stop()

    second = await RunningBot(server, settings).start()
    try:
        picker = await second.say(ADMIN, str(DOCTOR.id))
        assert "Какую роль выдать" in picker.params["text"]
        assert "Администратор" in button_texts(picker.params["reply_markup"])
    finally:
        await second.stop()


async def test_wrong_input_in_a_state_keeps_the_state(running: RunningBot) -> None:
    await running.say(ADMIN, "/grant")

    hint = await running.push_and_wait("message", sticker(ADMIN), ADMIN.id)
    assert hint.params["text"] == texts.GRANT_PERSON_INVALID
    hint = await running.say(ADMIN, "<b>" + "я" * 10_000)
    assert hint.params["text"] == texts.GRANT_PERSON_INVALID

    picker = await running.say(ADMIN, str(NURSE.id))
    assert "Какую роль выдать" in picker.params["text"]


async def test_cancel_leaves_the_form(running: RunningBot) -> None:
    await running.say(ADMIN, "/grant")
    cancelled = await running.say(ADMIN, "/cancel")
    assert cancelled.params["text"] == texts.CANCELLED

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
    assert apology.params["text"] == texts.APOLOGY

    greeting = await running.say(NURSE, "/start")
    assert greeting.params["text"].startswith("Здравствуйте")


async def test_html_in_names_is_escaped(running: RunningBot) -> None:
    mischief = Person(4004, "<b>Вася</b>", "vasya_x")
    answer = await running.say(mischief, "/start")
    assert "&lt;b&gt;Вася&lt;/b&gt;" in answer.params["text"]


async def test_unknown_deep_link_gets_menu(running: RunningBot) -> None:
    answer = await running.say(NURSE, "/start zz_broken")
    assert answer.params["text"] == texts.BAD_DEEPLINK
    assert texts.BTN_CATALOG in button_texts(answer.params["reply_markup"])


async def test_help_deep_link(running: RunningBot) -> None:
    answer = await running.say(NURSE, "/start help_start")
    assert answer.params["text"].startswith("<b>Что я умею</b>")


async def test_bot_stays_quiet_in_groups_about_plain_text(running: RunningBot) -> None:
    group = {"id": -1001234, "type": "supergroup", "title": "РМИС: стационар"}
    seen = len(running.server.calls)
    await running.server.push_update("message", message(NURSE, "всем привет", chat=group))
    help_ = await running.push_and_wait("message", message(NURSE, "/help", chat=group), -1001234)

    assert "/help" in help_.params["text"]
    sent_to_group = [c for c in running.server.calls[seen:] if c.params.get("chat_id") == -1001234]
    assert len(sent_to_group) == 1


async def test_users_are_stored_with_64_bit_ids(running: RunningBot) -> None:
    big = Person(7_000_000_000_123, "Мария")
    await running.say(big, "/start")
    assert running.db is not None
    record = await UserRepo(running.db).get(big.id)
    assert record is not None
    assert record.first_name == "Мария"


async def test_stale_callback_is_answered(running: RunningBot) -> None:
    answer = await running.press(NURSE, "zz:unknown")
    assert answer.params["text"] == texts.STALE_BUTTON


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
