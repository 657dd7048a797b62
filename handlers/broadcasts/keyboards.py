"""The keyboards of the broadcasts' list, reports and recall, and of subscriptions."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from aiogram.types import InlineKeyboardMarkup

from bot import ui
from handlers.broadcasts import texts
from handlers.broadcasts.callbacks import BroadcastAction, BroadcastCallback, SubscribeCallback


def _press(action: BroadcastAction, number: int) -> BroadcastCallback:
    return BroadcastCallback(action=action, id=number)


def list_kb(numbers: Sequence[int]) -> InlineKeyboardMarkup:
    kb = ui.Buttons()
    for number in numbers:
        kb.button(text=f"№{number}", callback_data=_press(BroadcastAction.SHOW, number))
    kb.adjust(5)
    return kb.as_markup()


def manage_kb(
    number: int, can_cancel: bool, can_recall: bool, failed: int = 0
) -> InlineKeyboardMarkup | None:
    if not (can_cancel or can_recall or failed):
        return None
    kb = ui.Buttons()
    if can_cancel:
        kb.button(
            text=texts.BTN_CANCEL_BROADCAST, callback_data=_press(BroadcastAction.CANCEL, number)
        )
    if can_recall:
        kb.button(text=texts.BTN_RECALL, callback_data=_press(BroadcastAction.RECALL, number))
    if failed:
        kb.button(
            text=texts.BTN_RETRY_FAILED.format(count=failed),
            callback_data=_press(BroadcastAction.RETRY_FAILED, number),
        )
    kb.adjust(2)
    return kb.as_markup()


def report_kb(number: int, failed: int) -> InlineKeyboardMarkup:
    kb = ui.Buttons()
    kb.button(
        text=texts.BTN_RETRY_FAILED.format(count=failed),
        callback_data=_press(BroadcastAction.RETRY_FAILED, number),
    )
    return kb.as_markup()


def recall_kb(number: int) -> InlineKeyboardMarkup:
    kb = ui.Buttons()
    kb.button(
        text=texts.BTN_RECALL_YES, callback_data=_press(BroadcastAction.RECALL_CONFIRM, number)
    )
    kb.button(text=ui.BTN_BACK, callback_data=_press(BroadcastAction.SHOW, number))
    return kb.as_markup()


def subscribe_kb(
    topics: Sequence[tuple[str, str]], chosen: Collection[str]
) -> InlineKeyboardMarkup:
    """Two columns of directions, ✅ on the chosen ones; a press toggles one."""
    kb = ui.Buttons()
    for code, title in topics:
        mark = "✅ " if code in chosen else ""
        kb.button(text=mark + ui.shorten(title, 60), callback_data=SubscribeCallback(topic=code))
    kb.button(text=ui.BTN_DONE, callback_data=SubscribeCallback())
    kb.adjust(2)
    return kb.as_markup()
