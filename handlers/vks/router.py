"""The VKS 8.38 commands and the buttons outside its form: /vks opens the card form, /vksslot
and /vksremind change the slot and the reminders; everyone can say «Буду участвовать» under a
post and take the .ics invitation from its deep link."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InaccessibleMessage, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_dialog import DialogManager

from bot.deeplinks import DeepLink, Route
from bot.filters import GROUPS, PRIVATE
from bot.forms import open_form
from bot.middlewares import RequireRole
from bot.scheduler import Scheduler
from bot.settings import Settings
from catalog.schedule import format_offsets, parse_offsets, parse_slot
from handlers.vks import service, texts
from handlers.vks.callbacks import VksAction, VksCallback
from handlers.vks.keyboards import post_kb
from handlers.vks.states import VksCard
from storage.db import Database
from storage.users import Role
from storage.vks import VksRepo

log = logging.getLogger(__name__)


async def cmd_vks(message: Message, state: FSMContext, dialog_manager: DialogManager) -> None:
    await open_form(dialog_manager, state, VksCard.choosing_date)


async def cmd_vks_in_group(message: Message) -> None:
    """The card is a form, and forms live in private chats: say so rather than stay silent."""
    await message.reply(texts.IN_GROUP)


async def cmd_vksslot(
    message: Message, command: CommandObject, db: Database, scheduler: Scheduler
) -> None:
    slot = parse_slot(command.args or "")
    if slot is None:
        await message.answer(texts.SLOT_USAGE)
        return
    await VksRepo(db).set_slot(slot)
    await scheduler.rebuild()
    await message.answer(texts.slot_set(slot))


async def cmd_vksremind(
    message: Message, command: CommandObject, db: Database, scheduler: Scheduler
) -> None:
    offsets = parse_offsets(command.args or "")
    if offsets is None:
        await message.answer(texts.REMIND_USAGE)
        return
    await VksRepo(db).set_offsets(offsets)
    await scheduler.rebuild()
    described = ", ".join(texts.describe_offset(o) for o in offsets)
    await message.answer(texts.REMIND_SET.format(offsets=described))
    log.info("VKS reminders set to %s", format_offsets(offsets))


async def on_attend(
    callback: CallbackQuery,
    callback_data: VksCallback,
    callback_answer: CallbackAnswer,
    db: Database,
    settings: Settings,
) -> None:
    today = service.local_now(db, settings.tz).date()
    day = service.parse_day(callback_data.day, today)
    if day is None or day < today:
        callback_answer.text, callback_answer.show_alert = texts.ATTEND_CLOSED, True
        return
    attending, count = await VksRepo(db).toggle_attendance(day, callback.from_user.id)
    callback_answer.text = texts.ATTEND_ON if attending else texts.ATTEND_OFF
    message = callback.message
    if message is None or isinstance(message, InaccessibleMessage) or message.bot is None:
        return
    me = await message.bot.me()
    try:
        await message.edit_reply_markup(reply_markup=post_kb(day, count, me.username or ""))
    except TelegramBadRequest as e:
        if "not modified" not in e.message:
            raise


async def on_ics_link(
    message: Message, deeplink_arg: str, db: Database, settings: Settings
) -> None:
    day = service.parse_day(deeplink_arg, service.local_now(db, settings.tz).date())
    data = await service.invitation(db, settings.tz, day) if day is not None else None
    if day is None or data is None:
        await message.answer(texts.ICS_UNKNOWN)
        return
    await message.answer_document(
        BufferedInputFile(data, filename=f"vks-838-{day:%Y-%m-%d}.ics"),
        caption=texts.ICS_CAPTION.format(day=texts.day_title(day)),
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_ics_link, CommandStart(deep_link=True), DeepLink(Route.ICS), PRIVATE)
    router.callback_query.register(on_attend, VksCallback.filter(F.action == VksAction.ATTEND))
    router.message.register(cmd_vks_in_group, Command("vks", "vksslot", "vksremind"), GROUPS)

    methodologists = Router(name=f"{__name__}.methodologists")
    gate = RequireRole(Role.METHODOLOGIST)
    methodologists.message.middleware(gate)
    methodologists.message.filter(PRIVATE)
    methodologists.message.register(cmd_vks, Command("vks"))
    methodologists.message.register(cmd_vksslot, Command("vksslot"))
    methodologists.message.register(cmd_vksremind, Command("vksremind"))
    router.include_router(methodologists)
    return router
