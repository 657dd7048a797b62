"""Every keyboard builder."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder, ReplyKeyboardBuilder

from bot import texts
from bot.callbacks import RoleAction, RoleCallback
from storage.users import Role


def main_menu_kb(role: Role) -> ReplyKeyboardMarkup:
    """The reply keyboard under the input field; it grows with the user's role."""
    kb = ReplyKeyboardBuilder()
    if role.at_least(Role.ADMIN):
        kb.button(text=texts.BTN_ROLES)
    kb.button(text=texts.BTN_HELP)
    kb.adjust(2)
    return kb.as_markup(resize_keyboard=True, is_persistent=True)


def role_pick_kb(user_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for role in (Role.ADMIN, Role.METHODOLOGIST, Role.TUTOR, Role.STAFF):
        kb.button(
            text=texts.ROLE_BUTTONS[role],
            callback_data=RoleCallback(action=RoleAction.SET, user_id=user_id, role=role),
        )
    kb.button(text=texts.BTN_CANCEL, callback_data=RoleCallback(action=RoleAction.CANCEL))
    kb.adjust(2, 2, 1)
    return kb.as_markup()
