"""/mo, the admins' view of the directory of medical organisations: find one (the lookup
tolerates a typo and the wrong keyboard layout, and says what it understood), see its card,
change a field, replace the whole directory from a file, or download it."""

from __future__ import annotations

from contextlib import suppress

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import BufferedInputFile, CallbackQuery, InaccessibleMessage, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram_dialog import DialogManager, ShowMode

from bot import forms, ui
from bot.filters import PRIVATE
from bot.middlewares import RequireRole
from bot.settings import Settings
from catalog.importer import to_csv, to_xlsx_book
from handlers.mo import texts
from handlers.mo.callbacks import OrgAction, OrgCallback
from handlers.mo.keyboards import card_kb, found_kb, menu_kb
from handlers.mo.states import OrgEditForm, OrgImportForm
from storage.organisations import OrgRepo
from storage.users import Role


async def cmd_mo(message: Message, command: CommandObject, orgs: OrgRepo) -> None:
    query = " ".join((command.args or "").split())[:100]
    if not query:
        await message.answer(texts.header(len(await orgs.all())), reply_markup=menu_kb())
        return
    found = await orgs.find_understood(query)
    shown = found.understood if found.changed(query) else query
    if not found.orgs:
        await message.answer(texts.NONE.format(query=texts.query_echo(shown)))
        return
    await message.answer(
        texts.FOUND.format(query=texts.query_echo(shown)),
        reply_markup=found_kb([(o.id, o.short_name) for o in found.orgs]),
    )


async def _start(
    manager: DialogManager, state: FSMContext, bot: Bot, first: State, data: dict[str, object]
) -> None:
    """A form under the message pressed; one already open is put aside with its draft."""
    if manager.has_context():
        await forms.keep_draft(manager, state)
        old = manager.current_stack().last_message_id
        chat = manager.middleware_data["event_chat"]
        await manager.reset_stack(remove_keyboard=False)
        if old is not None:
            with suppress(TelegramAPIError):
                await bot.edit_message_reply_markup(chat_id=chat.id, message_id=old)
    # A field's kept draft is for the field it was about.
    drafts = dict((await state.get_data()).get(forms.DRAFTS) or {})
    group = first.group.__full_group_name__
    if group in drafts and (drafts[group].get("start_data") or {}) != data:
        drafts.pop(group)
        await state.update_data({forms.DRAFTS: drafts})
    manager.show_mode = ShowMode.SEND
    await forms.open_form(manager, state, first, data)


async def on_org(
    callback: CallbackQuery,
    callback_data: OrgCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    dialog_manager: DialogManager,
    bot: Bot,
    orgs: OrgRepo,
    settings: Settings,
) -> None:
    message = callback.message
    if message is None or isinstance(message, InaccessibleMessage):
        callback_answer.text, callback_answer.show_alert = ui.STALE_BUTTON, True
        return
    action = callback_data.action
    if action is OrgAction.IMPORT:
        await _start(dialog_manager, state, bot, OrgImportForm.waiting_for_file, {})
        return
    if action is OrgAction.EXPORT:
        rows = await orgs.export_rows()
        today = orgs.db.now().astimezone(settings.tz).date().isoformat()
        book = to_xlsx_book([("МО", rows)])
        await message.answer_document(BufferedInputFile(book, f"organisations-{today}.xlsx"))
        await message.answer_document(BufferedInputFile(to_csv(rows), f"organisations-{today}.csv"))
        return
    org = await orgs.get(callback_data.id)
    if org is None:
        callback_answer.text, callback_answer.show_alert = texts.GONE, True
        return
    if action is OrgAction.FIELD:
        if callback_data.field not in texts.FIELDS:
            callback_answer.text, callback_answer.show_alert = ui.STALE_BUTTON, True
            return
        data: dict[str, object] = {"org_id": org.id, "field": callback_data.field}
        await _start(dialog_manager, state, bot, OrgEditForm.waiting_for_value, data)
        return
    await message.answer(texts.card(org), reply_markup=card_kb(org.id))


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(PRIVATE)
    router.callback_query.filter(PRIVATE)
    gate = RequireRole(Role.ADMIN)
    router.message.middleware(gate)
    router.callback_query.middleware(gate)
    router.message.register(cmd_mo, Command("mo"))
    router.callback_query.register(on_org, OrgCallback.filter())
    return router
