"""The materials feature's keyboards outside its forms: a material's management card, the
question before the archive, and the admins' decision on a held material."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot import ui
from handlers.materials import texts
from handlers.materials.callbacks import EditAction, EditCallback, HoldAction, HoldCallback


def card_kb(material_id: int, active: bool) -> InlineKeyboardMarkup:
    kb = ui.Buttons()
    kb.button(
        text=texts.BTN_EDIT, callback_data=EditCallback(action=EditAction.MENU, id=material_id)
    )
    if active:
        action, caption = EditAction.ARCHIVE, texts.BTN_ARCHIVE
    else:
        action, caption = EditAction.RESTORE, texts.BTN_RESTORE
    kb.button(text=caption, callback_data=EditCallback(action=action, id=material_id))
    kb.adjust(2)
    return kb.as_markup()


def archive_ask_kb(material_id: int) -> InlineKeyboardMarkup:
    kb = ui.Buttons()
    kb.button(
        text=texts.BTN_ARCHIVE_YES,
        callback_data=EditCallback(action=EditAction.ARCHIVE_YES, id=material_id),
    )
    kb.button(text=ui.BTN_BACK, callback_data=EditCallback(action=EditAction.CARD, id=material_id))
    kb.adjust(1)
    return kb.as_markup()


def hold_kb(material_id: int) -> InlineKeyboardMarkup:
    kb = ui.Buttons()
    kb.button(
        text=texts.BTN_PD_FORCE,
        callback_data=HoldCallback(action=HoldAction.PUBLISH, id=material_id),
    )
    kb.button(
        text=texts.BTN_PD_KEEP, callback_data=HoldCallback(action=HoldAction.KEEP, id=material_id)
    )
    kb.adjust(1)
    return kb.as_markup()
