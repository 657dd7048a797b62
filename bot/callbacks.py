"""Every CallbackData factory. Prefixes are short and payloads carry ids, never titles:
callback_data is limited to 64 bytes and Cyrillic takes two bytes a letter."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from storage.users import Role


class RoleAction(StrEnum):
    SET = "set"
    CANCEL = "cancel"


class RoleCallback(CallbackData, prefix="rl"):
    action: RoleAction
    user_id: int = 0
    role: Role = Role.STAFF
