"""The catch-all: whatever no feature claimed. It must be the last router."""

from __future__ import annotations

import re

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.filters.base import Filter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot import ui
from bot.filters import PRIVATE
from storage.users import UserRecord

_ANY = re.compile(r".*")


class HasText(Filter):
    async def __call__(self, message: Message) -> bool:
        return bool(message.text)


async def unclaimed_deeplink(message: Message, user: UserRecord) -> None:
    await message.answer(ui.BAD_DEEPLINK, reply_markup=ui.main_menu_kb(user.role))


async def unknown_command(message: Message) -> None:
    await message.answer(ui.UNKNOWN_COMMAND)


async def unknown_text(message: Message) -> None:
    await message.answer(ui.TEXT_NOT_UNDERSTOOD)


async def unknown_content(message: Message) -> None:
    await message.answer(ui.TEXT_EXPECTED)


async def stale_callback(callback: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    callback_answer.text = ui.STALE_BUTTON
    callback_answer.show_alert = True


def create_router() -> Router:
    router = Router(name=__name__)
    # Only private chats: in a group the bot must stay quiet about messages that are not for it.
    router.message.filter(PRIVATE)
    router.message.register(unclaimed_deeplink, CommandStart(deep_link=True))
    # Any command: a "/" prefix and any name (commands are matched by their own routers first).
    router.message.register(unknown_command, Command(commands=[_ANY]))
    router.message.register(unknown_text, HasText())
    router.message.register(unknown_content)
    router.callback_query.register(stale_callback)
    return router
