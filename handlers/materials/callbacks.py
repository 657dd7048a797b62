"""The materials feature's callback data: ids, never titles (64 bytes at most).

``EditCallback`` keeps the ``e`` prefix and the action values the catalog card's management
buttons were always packed with: the card is drawn by the search feature, and its «✏️ Изменить»
and «🗄 В архив» (and messages sent before an upgrade) must keep reaching these handlers.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class EditAction(StrEnum):
    MENU = "mn"
    FIELD = "fd"  # a field button of the old edit menu, still on screens from before
    ARCHIVE = "ar"  # asks first
    ARCHIVE_YES = "ay"
    RESTORE = "rs"
    NEW_FILE = "nf"
    CARD = "cd"  # back from the question to the card


class EditCallback(CallbackData, prefix="e"):
    action: EditAction
    id: int
    field: str = ""


class HoldAction(StrEnum):
    PUBLISH = "p"
    KEEP = "k"


class HoldCallback(CallbackData, prefix="pd"):
    """An admin's decision on a material held for possible personal data."""

    action: HoldAction
    id: int
