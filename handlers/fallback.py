"""The catch-all: whatever no feature claimed. It must be the last router."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot import texts
from bot.filters import PRIVATE
from bot.keyboards import main_menu_kb
from storage.users import UserRecord


async def unclaimed_deeplink(message: Message, user: UserRecord) -> None:
    await message.answer(texts.BAD_DEEPLINK, reply_markup=main_menu_kb(user.role))


async def unknown_command(message: Message) -> None:
    await message.answer(texts.UNKNOWN_COMMAND)


async def unknown_text(message: Message) -> None:
    await message.answer(texts.TEXT_NOT_UNDERSTOOD)


async def unknown_content(message: Message) -> None:
    await message.answer(texts.TEXT_EXPECTED)


async def stale_callback(callback: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    callback_answer.text = texts.STALE_BUTTON
    callback_answer.show_alert = True


def create_router() -> Router:
    router = Router(name=__name__)
    # Only private chats: in a group the bot must stay quiet about messages that are not for it.
    router.message.filter(PRIVATE)
    router.message.register(unclaimed_deeplink, CommandStart(deep_link=True))
    router.message.register(unknown_command, F.text.startswith("/"))
    router.message.register(unknown_text, F.text)
    router.message.register(unknown_content)
    router.callback_query.register(stale_callback)
    return router
