"""Callback data of the broadcasts' lists, reports and subscriptions (ids, never titles).

The prefixes and action values are the ones these buttons always had, so the lists and
delivery reports already in people's chats keep working."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class BroadcastAction(StrEnum):
    SHOW = "sh"
    CANCEL = "cn"
    RECALL = "rc"  # asks first
    RECALL_CONFIRM = "rcy"
    RETRY_FAILED = "rf"


class BroadcastCallback(CallbackData, prefix="bc"):
    action: BroadcastAction
    id: int = 0
    value: str = ""


class SubscribeCallback(CallbackData, prefix="sb"):
    """A direction toggled; no topic means «Готово»."""

    topic: str = ""
