"""Buttons of the roles feature outside its form."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class RoleAction(StrEnum):
    GRANT = "grant"


class RoleCallback(CallbackData, prefix="rl"):
    action: RoleAction
