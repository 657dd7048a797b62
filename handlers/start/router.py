"""/start (with a help deep link), /help, /cancel, the help button; the first run's demo
catalog for an admin."""

from __future__ import annotations

import logging
from importlib import resources

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_dialog import DialogManager

from bot import ui
from bot.commands import commands_for
from bot.deeplinks import DeepLink, Route
from bot.filters import GROUPS, PRIVATE, Label
from bot.forms import cancel_forms
from bot.middlewares import RequireRole
from handlers.start import texts
from handlers.start.callbacks import StartAction, StartCallback
from storage.catalog import CatalogRepo
from storage.imports import import_file
from storage.users import Role, UserRecord

log = logging.getLogger(__name__)


async def cmd_start(
    message: Message, user: UserRecord, state: FSMContext, materials: CatalogRepo
) -> None:
    # An open form was closed, its draft kept, before this ran (bot.forms.LeaveFormsForMenu).
    await state.set_state(None)
    await message.answer(texts.greeting(user), reply_markup=ui.main_menu_kb(user.role))
    if user.role.at_least(Role.ADMIN) and await materials.count() == 0:
        kb = ui.Buttons()
        kb.button(
            text=texts.BTN_LOAD_DEMO, callback_data=StartCallback(action=StartAction.LOAD_DEMO)
        )
        await message.answer(texts.DEMO_OFFER, reply_markup=kb.as_markup())


async def cmd_start_in_group(message: Message, bot: Bot) -> None:
    me = await bot.me()
    link = f"https://t.me/{me.username}" if me.username else "/start"
    await message.answer(texts.GROUP_HELLO.format(link=link))


async def cmd_help(message: Message, bot: Bot, user: UserRecord) -> None:
    in_group = message.chat.type != "private"
    specs = commands_for(user.role, in_group=in_group)
    me = await bot.me()
    await message.answer(
        texts.help_text(
            user.role,
            [(c.name, c.description) for c in specs],
            me.username or "",
            in_group=in_group,
        )
    )


async def cmd_cancel(
    message: Message, state: FSMContext, dialog_manager: DialogManager, user: UserRecord
) -> None:
    had_form = await cancel_forms(dialog_manager, state)
    had_state = await state.get_state() is not None
    await state.clear()
    answer = texts.CANCELLED if had_form or had_state else texts.NOTHING_TO_CANCEL
    await message.answer(answer, reply_markup=ui.main_menu_kb(user.role))


async def cmd_cancel_in_group(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(texts.CANCELLED, reply_markup=ReplyKeyboardRemove())


async def on_load_demo(
    callback: CallbackQuery, materials: CatalogRepo, callback_answer: CallbackAnswer
) -> None:
    if await materials.count():
        callback_answer.text, callback_answer.show_alert = texts.DEMO_NOT_EMPTY, True
        return
    data = resources.files("catalog.data").joinpath("demo_materials.csv").read_bytes()
    report = await import_file(materials, data, "demo_materials.csv")
    log.info(
        "demo catalog loaded by user %s: %d material(s)", callback.from_user.id, report.created
    )
    count = ui.counted(report.imported, "материал", "материала", "материалов")
    if callback.message is not None and hasattr(callback.message, "edit_text"):
        await callback.message.edit_text(texts.DEMO_LOADED.format(count=count))
    else:
        callback_answer.text = texts.DEMO_LOADED.format(count=count)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_help, CommandStart(deep_link=True), DeepLink(Route.HELP), PRIVATE)
    # A /start with a payload belongs to the feature that owns the payload; unclaimed ones
    # reach the fallback router.
    # The payload test runs inside the filter: a plain magic filter would go to a thread.
    router.message.register(cmd_start, CommandStart(magic=F.args.is_(None)), PRIVATE)
    router.message.register(cmd_start_in_group, CommandStart(), GROUPS)
    router.message.register(cmd_help, Command("help"))
    router.message.register(cmd_help, Label(ui.BTN_HELP), PRIVATE)
    router.message.register(cmd_cancel, Command("cancel"), PRIVATE)
    router.message.register(cmd_cancel_in_group, Command("cancel"))

    admins = Router(name=f"{__name__}.admins")
    gate = RequireRole(Role.ADMIN)
    admins.callback_query.middleware(gate)
    admins.callback_query.register(
        on_load_demo, StartCallback.filter(), flags={"throttle": "heavy"}
    )
    router.include_router(admins)
    return router
