"""Buttons of the start feature."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class StartAction(StrEnum):
    LOAD_DEMO = "demo"


class StartCallback(CallbackData, prefix="go"):
    action: StartAction
