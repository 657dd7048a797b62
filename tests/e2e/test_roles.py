"""End to end: admins grant and revoke roles, by command and through the short form; the person
is told with their new menu; nobody else can."""

from __future__ import annotations

from pathlib import Path

from bot import ui
from handlers.roles import texts
from handlers.roles.callbacks import RoleAction, RoleCallback
from storage.users import Role, UserRepo
from tests.fakes.people import ADMIN, DOCTOR, NURSE, Person, forwarded_from, message, sticker
from tests.fakes.telegram_server import FakeTelegram
from tests.harness import RunningBot, button_texts, make_settings


async def role_of(running: RunningBot, user_id: int) -> Role | None:
    assert running.db is not None
    record = await UserRepo(running.db).get(user_id)
    return record.role if record else None


async def edited(running: RunningBot, person: Person, after: int) -> str:
    call = await running.server.wait_for(
        "editMessageText", lambda c: c.params["chat_id"] == person.id, after=after
    )
    return str(call.params["text"])


async def test_admin_grants_role_and_person_is_told_with_the_new_menu(
    running: RunningBot,
) -> None:
    await running.say(DOCTOR, "/start")  # the bot must know the username first
    seen = len(running.server.calls)

    answer = await running.say(ADMIN, "/grant @igor_doc методист")

    assert (
        answer.params["text"] == "Готово: Игорь (@igor_doc), id <code>3003</code> теперь методист."
    )
    told = await running.server.wait_for(
        "sendMessage", lambda c: c.params["chat_id"] == DOCTOR.id, after=seen
    )
    assert told.params["text"] == texts.YOU_GOT_ROLE.format(role="методист")
    # The new role is in the menu at once.
    assert ui.BTN_STATS in button_texts(told.params["reply_markup"])
    assert await role_of(running, DOCTOR.id) is Role.METHODOLOGIST
    roles = await running.say(ADMIN, "/roles")
    assert "Методисты" in roles.params["text"]
    assert "@igor_doc" in roles.params["text"]
    assert texts.BTN_GRANT in button_texts(roles.params["reply_markup"])


async def test_a_role_for_someone_who_never_wrote_is_set_and_the_admin_is_told_so(
    running: RunningBot,
) -> None:
    stranger = 5_555_000
    running.server.fail(
        "sendMessage", 400, "Bad Request: chat not found", when=lambda p: p["chat_id"] == stranger
    )
    answer = await running.say(ADMIN, f"/grant {stranger} тьютор")
    assert answer.params["text"] == texts.DONE_UNTOLD.format(
        person=f"<code>{stranger}</code>", role="тьютор МО"
    )
    assert await role_of(running, stranger) is Role.TUTOR


async def test_role_names_are_typed_and_listed_in_russian(running: RunningBot) -> None:
    wrong = await running.say(ADMIN, f"/grant {NURSE.id} главврач")
    assert wrong.params["text"] == texts.UNKNOWN_ROLE.format(role="главврач")
    assert "администратор, методист, тьютор, сотрудник" in wrong.params["text"]
    usage = await running.say(ADMIN, "/grant 12 x")
    assert "Роли: администратор, методист, тьютор, сотрудник." in usage.params["text"]
    done = await running.say(ADMIN, f"/grant {NURSE.id} Тьютор")
    assert "теперь тьютор МО" in done.params["text"]


async def test_the_admin_role_is_given_only_after_a_confirmation(running: RunningBot) -> None:
    await running.say(DOCTOR, "/start")
    asked = await running.say(ADMIN, f"/grant {DOCTOR.id} admin")
    assert asked.params["text"].startswith("Выдать роль «администратор»: Игорь")
    assert button_texts(asked.params["reply_markup"]) == [
        texts.BTN_CONFIRM_ADMIN,
        ui.BTN_BACK,
        ui.BTN_CANCEL,
    ]
    assert await role_of(running, DOCTOR.id) is Role.STAFF
    seen = len(running.server.calls)
    await running.click(ADMIN, ui.BTN_CANCEL)
    await running.quiet()
    assert await role_of(running, DOCTOR.id) is Role.STAFF
    # The question no longer carries live buttons.
    assert not running.shown(ADMIN).get("reply_markup")

    await running.say(ADMIN, f"/grant {DOCTOR.id} админ")
    seen = len(running.server.calls)
    await running.click(ADMIN, texts.BTN_CONFIRM_ADMIN)
    assert "теперь администратор" in await edited(running, ADMIN, seen)
    assert await role_of(running, DOCTOR.id) is Role.ADMIN


async def test_grant_by_buttons_after_a_forwarded_message(running: RunningBot) -> None:
    forwarded = forwarded_from(NURSE, by=ADMIN)
    await running.push_and_wait("message", forwarded, ADMIN.id)
    reply = message(ADMIN, "/grant", reply_to_message=forwarded)
    picker = await running.push_and_wait("message", reply, ADMIN.id)

    assert picker.params["text"].startswith("Какую роль выдать:")
    assert button_texts(picker.params["reply_markup"]) == [
        "Администратор",
        "Методист",
        "Тьютор МО",
        "Сотрудник",
        ui.BTN_BACK,
        ui.BTN_CANCEL,
    ]
    seen = len(running.server.calls)
    await running.click(ADMIN, "Тьютор МО")
    assert "теперь тьютор МО" in await edited(running, ADMIN, seen)
    assert await role_of(running, NURSE.id) is Role.TUTOR


async def test_the_form_asks_whom_then_which_role_and_takes_only_a_person(
    running: RunningBot,
) -> None:
    asked = await running.say(ADMIN, "/grant")
    assert asked.params["text"] == texts.ASK_PERSON

    seen = len(running.server.calls)
    await running.server.push_update("message", sticker(ADMIN))
    assert texts.PERSON_INVALID in await edited(running, ADMIN, seen)
    await running.server.push_update("message", message(ADMIN, "<b>" + "я" * 10_000))
    await running.quiet()
    assert texts.PERSON_INVALID in running.shown(ADMIN)["text"]
    seen = len(running.server.calls)
    await running.server.push_update("message", message(ADMIN, str(NURSE.id)))
    assert (await edited(running, ADMIN, seen)).startswith("Какую роль выдать:")
    await running.quiet()
    # One message in all: every step edited it.
    forms = [m for m in running.server.chat_messages(ADMIN.id) if "роль" in m.get("text", "")]
    assert len(forms) == 1
    seen = len(running.server.calls)
    await running.click(ADMIN, ui.BTN_BACK)
    assert await edited(running, ADMIN, seen) == texts.ASK_PERSON


async def test_a_menu_button_leaves_the_form_and_the_draft_comes_back(
    running: RunningBot,
) -> None:
    await running.say(NURSE, "/start")
    await running.say(ADMIN, "/grant")
    seen = len(running.server.calls)
    await running.server.push_update("message", message(ADMIN, str(NURSE.id)))
    assert (await edited(running, ADMIN, seen)).startswith("Какую роль выдать:")
    catalog = await running.say(ADMIN, ui.BTN_CATALOG)
    assert "Каталог" in catalog.params["text"] or "каталог" in catalog.params["text"]
    # Out of the form, text is a search again, not an answer.
    search = await running.say(ADMIN, "больничный лист")
    assert "больничный" in search.params["text"]
    assert await role_of(running, NURSE.id) is Role.STAFF
    # Opening the form again continues where it was left.
    back = await running.say(ADMIN, "/grant")
    assert back.params["text"].startswith("Какую роль выдать: Ольга")


async def test_the_form_survives_a_restart(server: FakeTelegram, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, telegram_api_url=server.url)
    first = await RunningBot(server, settings).start()
    asked = await first.say(ADMIN, "/grant")
    assert asked.params["text"] == texts.ASK_PERSON
    await first.stop()

    second = await RunningBot(server, settings).start()
    try:
        seen = len(server.calls)
        await server.push_update("message", message(ADMIN, str(DOCTOR.id)))
        picked = await edited(second, ADMIN, seen)
        assert picked.startswith("Какую роль выдать:")
    finally:
        await second.stop()


async def test_grant_by_non_admin_is_refused_and_nothing_changes(running: RunningBot) -> None:
    answer = await running.say(NURSE, f"/grant {NURSE.id} admin")

    assert answer.params["text"] == ui.REFUSED.format(role="администратор")
    assert await role_of(running, NURSE.id) is Role.STAFF
    forged = await running.press(NURSE, RoleCallback(action=RoleAction.GRANT).pack())
    assert forged.params["text"] == ui.REFUSED.format(role="администратор")
    assert forged.params["show_alert"] is True
    assert running.server.calls_of("editMessageText") == []


async def test_admin_from_config_cannot_be_demoted(running: RunningBot) -> None:
    answer = await running.say(ADMIN, f"/revoke {ADMIN.id}")
    assert "ADMIN_IDS" in answer.params["text"]
    assert await role_of(running, ADMIN.id) is Role.ADMIN
