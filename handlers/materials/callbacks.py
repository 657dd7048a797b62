"""The materials feature's callback data: ids, never titles (64 bytes at most).

``EditCallback`` is defined in ``bot.ui``: the catalog card is drawn by the search feature, and
its «✏️ Изменить» and «🗄 В архив» (and messages sent before an upgrade, with the ``e`` prefix)
must keep reaching these handlers.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from bot.ui import EditAction, EditCallback

__all__ = ["EditAction", "EditCallback", "HoldAction", "HoldCallback"]


class HoldAction(StrEnum):
    PUBLISH = "p"
    KEEP = "k"


class HoldCallback(CallbackData, prefix="pd"):
    """An admin's decision on a material held for possible personal data."""

    action: HoldAction
    id: int
