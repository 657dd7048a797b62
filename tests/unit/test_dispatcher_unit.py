"""Unit level: the real dispatcher fed updates directly, answering through a recording session."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import Message, Update

from bot import ui
from handlers.roles import texts as role_texts
from handlers.roles.callbacks import RoleAction, RoleCallback
from storage.db import Database
from storage.users import Role, UserRepo
from tests.fakes.people import ADMIN, NURSE, Person, callback, message
from tests.fakes.recording import RecordingSession

_update_ids = iter(range(1, 1_000_000))


def update(kind: str, payload: dict[str, Any]) -> Update:
    return Update.model_validate({"update_id": next(_update_ids), kind: payload})


def sent_texts(bot: Bot) -> list[str]:
    assert isinstance(bot.session, RecordingSession)
    return [m.text for m in bot.session.sent(SendMessage)]


async def test_two_quick_updates_of_one_user_do_not_race(
    dp: Dispatcher, recording_bot: Bot
) -> None:
    async def count(message: Message, state: FSMContext) -> None:
        data = await state.get_data()
        await asyncio.sleep(0.01)  # a slow handler: a second update arrives meanwhile
        await state.update_data(n=data.get("n", 0) + 1)

    dp.message.register(count, Command("count"))
    await asyncio.gather(
        *(
            dp.feed_update(recording_bot, update("message", message(NURSE, "/count")))
            for _ in range(5)
        )
    )

    fsm = dp.fsm.storage
    from aiogram.fsm.storage.base import StorageKey

    key = StorageKey(bot_id=recording_bot.id, chat_id=NURSE.id, user_id=NURSE.id)
    assert (await fsm.get_data(key))["n"] == 5


async def test_roles_command_refused_for_staff(dp: Dispatcher, recording_bot: Bot) -> None:
    await dp.feed_update(recording_bot, update("message", message(NURSE, "/roles")))
    assert sent_texts(recording_bot) == [ui.REFUSED.format(role="администратор")]


async def test_methodologist_cannot_grant_either(
    dp: Dispatcher, recording_bot: Bot, db: Database
) -> None:
    metod = Person(5005, "Мария")
    await UserRepo(db).set_role(metod.id, Role.METHODOLOGIST, changed_by=ADMIN.id)
    forged = RoleCallback(action=RoleAction.GRANT).pack()

    await dp.feed_update(recording_bot, update("callback_query", callback(metod, forged)))

    assert isinstance(recording_bot.session, RecordingSession)
    answers = recording_bot.session.sent(AnswerCallbackQuery)
    assert [a.text for a in answers] == [ui.REFUSED.format(role="администратор")]
    assert (await UserRepo(db).get(metod.id)).role is Role.METHODOLOGIST  # type: ignore[union-attr]


async def test_admin_roles_list_marks_config_admins(
    dp: Dispatcher, recording_bot: Bot, db: Database
) -> None:
    await UserRepo(db).set_role(NURSE.id, Role.TUTOR, changed_by=ADMIN.id)
    await dp.feed_update(recording_bot, update("message", message(ADMIN, "/roles")))
    (text,) = sent_texts(recording_bot)
    assert "из ADMIN_IDS" in text
    assert "Тьюторы МО</b> (1)" in text


async def test_every_update_upserts_its_sender(
    dp: Dispatcher, recording_bot: Bot, db: Database
) -> None:
    await dp.feed_update(recording_bot, update("message", message(NURSE, "/help")))
    record = await UserRepo(db).get(NURSE.id)
    assert record is not None
    assert (record.first_name, record.username, record.role) == ("Ольга", "olga_nurse", Role.STAFF)


async def test_unknown_role_and_unknown_username_get_hints(
    dp: Dispatcher, recording_bot: Bot
) -> None:
    await dp.feed_update(recording_bot, update("message", message(ADMIN, "/grant 12 <king>")))
    await dp.feed_update(recording_bot, update("message", message(ADMIN, "/grant @nobody_here")))
    first, second = sent_texts(recording_bot)
    assert first == role_texts.UNKNOWN_ROLE.format(role="&lt;king&gt;")
    assert "@nobody_here ещё не писал боту" in second
