"""The materials feature's ordinary handlers: /add and a file sent to the bot open the form,
the card's «✏️ Изменить», «🗄 В архив» (asked first) and «♻️ Вернуть из архива», /import and
/export for methodologists; the admins' decision on a held material, /topics and /topic."""

from __future__ import annotations

import contextlib
import logging
import re
from datetime import datetime
from typing import Any

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_dialog import DialogManager, ShowMode, StartMode

from bot import forms
from bot.delivery import Delivery, RenderContext, Rendered
from bot.filters import PRIVATE, Carries
from bot.middlewares import THROTTLE_FLAG, RequireRole
from bot.settings import Settings
from catalog.importer import to_csv, to_xlsx
from handlers.materials import keyboards, service, texts
from handlers.materials.callbacks import EditAction, EditCallback, HoldAction, HoldCallback
from handlers.materials.dialogs import file_info, send_card, title_from
from handlers.materials.states import AddMaterial, EditMaterial, ImportCatalog
from storage.announcements import Announcement
from storage.catalog import CatalogRepo, Material
from storage.db import Database
from storage.users import Role, UserRecord

log = logging.getLogger(__name__)

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,15}$")
# The old edit menu's field buttons, still on screens from before: the step each opens.
FIELD_STEPS = {
    "title": "waiting_for_title",
    "description": "waiting_for_description",
    "topics": "choosing_directions",
    "kind": "choosing_kind",
    "audience": "choosing_audience",
    "tags": "waiting_for_tags",
    "url": "waiting_for_url",
}


async def _kept(state: FSMContext, group: type[StatesGroup]) -> dict[str, Any]:
    """The draft a form of ``group`` left when the person went to the menu, if any."""
    drafts = (await state.get_data()).get(forms.DRAFTS) or {}
    kept = drafts.get(group.__full_group_name__)
    return kept if isinstance(kept, dict) else {}


# -- adding ----------------------------------------------------------------------------------------


async def cmd_add(message: Message, dialog_manager: DialogManager, state: FSMContext) -> None:
    await forms.open_form(dialog_manager, state, AddMaterial.waiting_for_source)


async def media_received(
    message: Message,
    dialog_manager: DialogManager,
    state: FSMContext,
    materials: CatalogRepo,
    bot: Bot,
) -> None:
    """A file sent outside any form starts a new material from it; the same file again
    continues the form it was left in."""
    info = file_info(message)
    if info is None:
        return
    found = await service.existing(materials, file_unique_id=info["file_unique_id"])
    if found is not None:
        await message.answer(texts.DUPLICATE_FILE)
        await send_card(bot, message.chat.id, materials, found)
        return
    kept = await _kept(state, AddMaterial)
    kept_file = ((kept.get("dialog_data") or {}).get("draft") or {}).get("file_unique_id")
    if kept_file == info["file_unique_id"]:
        await forms.open_form(dialog_manager, state, AddMaterial.waiting_for_title)
        return
    await dialog_manager.start(
        AddMaterial.waiting_for_title,
        data={"file": info, "title": title_from(info["file_name"], message.caption)},
        mode=StartMode.RESET_STACK,
    )


# -- the card's buttons ----------------------------------------------------------------------------


async def _show(
    callback: CallbackQuery, bot: Bot, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the message under the button; a message that cannot be edited (too old, or
    a file with a caption) gets the text as a new message instead."""
    message = callback.message
    if message is None or isinstance(message, InaccessibleMessage) or message.text is None:
        await bot.send_message(callback.from_user.id, text, reply_markup=markup)
        return
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as e:
        if "not modified" not in e.message:
            raise


async def _card(
    callback: CallbackQuery, bot: Bot, materials: CatalogRepo, material: Material
) -> None:
    text = await service.card_text(materials, material)
    await _show(callback, bot, text, keyboards.card_kb(material.id, material.active))


async def _open_edit(
    manager: DialogManager, state: FSMContext, material_id: int, step: str = ""
) -> None:
    """The edit form under the card (the card stays above it). A form left open is kept as
    a draft; a kept draft of this very material continues."""
    if manager.has_context():
        await forms.keep_draft(manager, state)
    manager.show_mode = ShowMode.SEND
    kept = await _kept(state, EditMaterial)
    if not step and (kept.get("start_data") or {}).get("material_id") == material_id:
        await forms.open_form(manager, state, EditMaterial.choosing_field)
        return
    await manager.start(
        EditMaterial.choosing_field,
        data={"material_id": material_id, "step": step},
        mode=StartMode.RESET_STACK,
    )


async def on_edit(
    callback: CallbackQuery,
    callback_data: EditCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    materials: CatalogRepo,
    delivery: Delivery,
    user: UserRecord,
    bot: Bot,
    # aiogram_dialog gives a manager only to presses that carry their message.
    dialog_manager: DialogManager | None = None,
) -> None:
    material = await materials.get(callback_data.id)
    if material is None:
        callback_answer.text, callback_answer.show_alert = texts.MATERIAL_GONE, True
        return
    message = callback.message
    if message is None or message.chat.type != "private" or dialog_manager is None:
        # A card found with /find in a group: its forms and questions belong in private.
        callback_answer.text, callback_answer.show_alert = texts.EDIT_IN_PRIVATE, True
        return
    action = callback_data.action
    if action is EditAction.MENU:
        await _open_edit(dialog_manager, state, material.id)
    elif action is EditAction.FIELD:
        await _open_edit(
            dialog_manager, state, material.id, FIELD_STEPS.get(callback_data.field, "")
        )
    elif action is EditAction.NEW_FILE:
        step = "waiting_for_file" if material.file_id else ""
        await _open_edit(dialog_manager, state, material.id, step)
    elif action is EditAction.ARCHIVE:
        if not material.active:
            await _card(callback, bot, materials, material)
            return
        await _show(
            callback, bot, texts.archive_ask(material.title), keyboards.archive_ask_kb(material.id)
        )
    elif action is EditAction.ARCHIVE_YES:
        archived = await service.archive(materials, material.id, user)
        if archived is None:
            callback_answer.text, callback_answer.show_alert = texts.MATERIAL_GONE, True
            return
        callback_answer.text = texts.ARCHIVED
        await _card(callback, bot, materials, archived)
    elif action is EditAction.RESTORE:
        restored = await service.restore(materials, delivery, material.id, user)
        if isinstance(restored, service.Refused):
            callback_answer.text, callback_answer.show_alert = restored.reason, True
            return
        if restored is None:
            callback_answer.text, callback_answer.show_alert = texts.MATERIAL_GONE, True
            return
        callback_answer.text = texts.RESTORED
        await _card(callback, bot, materials, restored)
    else:
        await _card(callback, bot, materials, material)


# -- import and export -----------------------------------------------------------------------------


async def cmd_import(message: Message, dialog_manager: DialogManager, state: FSMContext) -> None:
    await forms.open_form(dialog_manager, state, ImportCatalog.waiting_for_file)


async def cmd_export(
    message: Message, materials: CatalogRepo, db: Database, settings: Settings
) -> None:
    rows = await service.export_rows(materials)
    today = db.now().astimezone(settings.tz).date().isoformat()
    caption = texts.export_caption(
        datetime.fromisoformat(today).strftime("%d.%m.%Y"), len(rows) - 1
    )
    await message.answer_document(
        BufferedInputFile(to_xlsx(rows), f"catalog-{today}.xlsx"), caption=caption
    )
    await message.answer_document(BufferedInputFile(to_csv(rows), f"catalog-{today}.csv"))


# -- the admins ------------------------------------------------------------------------------------


async def on_hold_decision(
    callback: CallbackQuery,
    callback_data: HoldCallback,
    callback_answer: CallbackAnswer,
    materials: CatalogRepo,
    delivery: Delivery,
    user: UserRecord,
) -> None:
    publish = callback_data.action is HoldAction.PUBLISH
    if not await service.decide(materials, delivery, callback_data.id, publish, user):
        callback_answer.text, callback_answer.show_alert = texts.PD_DECIDED, True
        return
    done = texts.PD_PUBLISHED if publish else texts.PD_KEPT
    callback_answer.text = done.format(id=callback_data.id)
    message = callback.message
    if message is not None and not isinstance(message, InaccessibleMessage):
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_reply_markup(reply_markup=None)


async def cmd_topics(message: Message, materials: CatalogRepo) -> None:
    await message.answer(texts.topics_list(await service.topic_rows(materials)))


async def cmd_topic(message: Message, command: CommandObject, materials: CatalogRepo) -> None:
    parts = (command.args or "").split(maxsplit=1)
    if len(parts) != 2 or not _CODE.match(parts[0].lower()) or not 2 <= len(parts[1]) <= 80:
        await message.answer(texts.TOPIC_USAGE)
        return
    code, title = parts[0].lower(), " ".join(parts[1].split())
    created = await service.put_topic(materials, code, title)
    await message.answer(texts.topic_saved(created, code, title))


async def render_hold(announcement: Announcement, ctx: RenderContext) -> Rendered:
    """A held material's card for the admins, with their decision buttons."""
    ref = announcement.content.ref
    return Rendered(announcement.content.text, keyboards.hold_kb(int(ref) if ref.isdigit() else 0))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(PRIVATE)

    methodologists = Router(name=f"{__name__}.methodologists")
    gate = RequireRole(Role.METHODOLOGIST)
    methodologists.message.middleware(gate)
    methodologists.callback_query.middleware(gate)
    methodologists.message.register(cmd_add, Command("add"))
    methodologists.message.register(cmd_import, Command("import"))
    methodologists.message.register(cmd_export, Command("export"), flags={THROTTLE_FLAG: "heavy"})
    # A file sent into an open form (a broadcast's content, an import) never gets here (see
    # handlers.get_routers); one sent to a step left from plain FSM states belongs to that step.
    methodologists.message.register(
        media_received, StateFilter(None), Carries("document", "video", "photo")
    )
    methodologists.callback_query.register(on_edit, EditCallback.filter())

    admins = Router(name=f"{__name__}.admins")
    admin_gate = RequireRole(Role.ADMIN)
    admins.message.middleware(admin_gate)
    admins.callback_query.middleware(admin_gate)
    admins.message.register(cmd_topics, Command("topics"))
    admins.message.register(cmd_topic, Command("topic"))
    admins.callback_query.register(on_hold_decision, HoldCallback.filter())

    router.include_routers(methodologists, admins)
    return router
