"""/start with its deep links, /help, /cancel and the help button."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, ReplyKeyboardRemove

from bot import texts
from bot.commands import commands_for
from bot.deeplinks import DeepLink, Route
from bot.filters import PRIVATE, Label
from bot.keyboards import main_menu_kb
from storage.users import Role, UserRecord


async def cmd_start(message: Message, user: UserRecord, state: FSMContext) -> None:
    # /start is the way out of anything: a half-filled form must not trap the user.
    await state.clear()
    await message.answer(texts.greeting(user), reply_markup=main_menu_kb(user.role))


async def cmd_start_help(message: Message, role: Role) -> None:
    await cmd_help(message, role)


async def cmd_help(message: Message, role: Role) -> None:
    in_group = message.chat.type != "private"
    specs = commands_for(role, in_group=in_group)
    await message.answer(texts.help_text(role, [(c.name, c.description) for c in specs]))


async def cmd_cancel(message: Message, state: FSMContext, role: Role) -> None:
    if await state.get_state() is None:
        await message.answer(texts.NOTHING_TO_CANCEL, reply_markup=main_menu_kb(role))
        return
    await state.clear()
    await message.answer(texts.CANCELLED, reply_markup=main_menu_kb(role))


async def cmd_cancel_group(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(texts.CANCELLED, reply_markup=ReplyKeyboardRemove())


def create_router() -> Router:
    router = Router(name=__name__)
    private = PRIVATE
    router.message.register(
        cmd_start_help, CommandStart(deep_link=True), DeepLink(Route.HELP), private
    )
    # A /start with a payload belongs to the feature that owns the payload; unclaimed ones
    # reach the fallback router.
    router.message.register(cmd_start, CommandStart(magic=F.args.is_(None)), private)
    router.message.register(cmd_help, Command("help"))
    router.message.register(cmd_help, Label(texts.BTN_HELP), private)
    router.message.register(cmd_cancel, Command("cancel"), private)
    router.message.register(cmd_cancel_group, Command("cancel"), StateFilter("*"))
    return router
