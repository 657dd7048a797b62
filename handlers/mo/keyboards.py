"""The МО directory's keyboards."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup

from bot.ui import Buttons, shorten
from handlers.mo import texts
from handlers.mo.callbacks import OrgAction, OrgCallback


def menu_kb() -> InlineKeyboardMarkup:
    kb = Buttons()
    kb.button(text=texts.BTN_IMPORT, callback_data=OrgCallback(action=OrgAction.IMPORT))
    kb.button(text=texts.BTN_EXPORT, callback_data=OrgCallback(action=OrgAction.EXPORT))
    kb.adjust(2)
    return kb.as_markup()


def found_kb(found: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    kb = Buttons()
    for org_id, short in found:
        kb.button(
            text=shorten(short, 60), callback_data=OrgCallback(action=OrgAction.OPEN, id=org_id)
        )
    kb.adjust(1)
    return kb.as_markup()


def card_kb(org_id: int) -> InlineKeyboardMarkup:
    kb = Buttons()
    for field, title in texts.FIELDS.items():
        kb.button(
            text=f"✏️ {title}",
            callback_data=OrgCallback(action=OrgAction.FIELD, id=org_id, field=field),
        )
    kb.adjust(2)
    return kb.as_markup()
