"""The inline keyboards of the request feature's own messages: cards, lists, notices. The forms'
keyboards are their dialogs' widgets. Every call builds new buttons (bot.ui.Buttons)."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup

from bot import ui
from bot.ui import Buttons, shorten
from catalog.requests import Action, Status, allowed
from handlers.requests import texts
from handlers.requests.callbacks import (
    CardAction,
    CardCallback,
    ForgetAction,
    ForgetCallback,
    MineAction,
    MineCallback,
    QueueAction,
    QueueCallback,
    QueueFilter,
    SessionAction,
    SessionCallback,
)
from storage.requests import Request, Session


def review_kb(request: Request, session: Session | None) -> InlineKeyboardMarkup:
    """The queue card's buttons for what the request's status allows."""
    kb = Buttons()
    number, status = request.id, request.status
    # Taking over a request someone has is possible from the list; the card invites only
    # to take what nobody has, or everyone in the staff chat would see «Взять себе».
    if status is Status.NEW:
        kb.button(
            text=texts.BTN_TAKE, callback_data=CardCallback(action=CardAction.TAKE, id=number)
        )
    if allowed(Action.APPROVED, status):
        kb.button(
            text=texts.BTN_APPROVE, callback_data=CardCallback(action=CardAction.APPROVE, id=number)
        )
    if allowed(Action.CHANGES, status):
        kb.button(
            text=texts.BTN_CHANGES, callback_data=CardCallback(action=CardAction.CHANGES, id=number)
        )
    if allowed(Action.REJECTED, status):
        kb.button(
            text=texts.BTN_REJECT, callback_data=CardCallback(action=CardAction.REJECT, id=number)
        )
    if status is Status.APPROVED and session is not None and session.announcement_id is None:
        kb.button(
            text=texts.BTN_ANNOUNCE,
            callback_data=SessionCallback(action=SessionAction.ANNOUNCE, id=session.id),
        )
    kb.button(
        text=texts.BTN_HISTORY, callback_data=CardCallback(action=CardAction.HISTORY, id=number)
    )
    kb.adjust(1)
    return kb.as_markup()


def continue_kb(action: CardAction, request_id: int) -> InlineKeyboardMarkup:
    kb = Buttons()
    kb.button(text=texts.BTN_CONTINUE, callback_data=CardCallback(action=action, id=request_id))
    return kb.as_markup()


def fix_kb(request_id: int) -> InlineKeyboardMarkup:
    kb = Buttons()
    kb.button(
        text=texts.BTN_FIX.format(id=request_id),
        callback_data=MineCallback(action=MineAction.FIX, id=request_id),
    )
    return kb.as_markup()


def session_note_kb(session: Session | None, link: str | None) -> InlineKeyboardMarkup | None:
    """Under the approval and the day-before reminder: the link to join, and the calendar."""
    if session is None:
        return None
    kb = Buttons()
    if link:
        kb.button(text=texts.BTN_JOIN, url=link)
    kb.button(
        text=texts.BTN_CALENDAR,
        callback_data=MineCallback(action=MineAction.CALENDAR, id=session.id),
    )
    kb.adjust(1)
    return kb.as_markup()


def my_requests_kb(found: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    """One button per request: its number and direction, cut at a word."""
    kb = Buttons()
    for number, topic in found:
        kb.button(
            text=f"№{number} · {shorten(topic, 40)}",
            callback_data=MineCallback(action=MineAction.OPEN, id=number),
        )
    kb.adjust(1)
    return kb.as_markup()


def my_request_kb(
    request: Request, session: Session | None, link: str | None, *, upcoming: bool
) -> InlineKeyboardMarkup:
    kb = Buttons()
    number = request.id
    if session is not None and upcoming:
        if link:
            kb.button(text=texts.BTN_JOIN, url=link)
        kb.button(
            text=texts.BTN_CALENDAR,
            callback_data=MineCallback(action=MineAction.CALENDAR, id=session.id),
        )
    if allowed(Action.RESUBMITTED, request.status):
        kb.button(
            text=texts.BTN_FIX.format(id=number),
            callback_data=MineCallback(action=MineAction.FIX, id=number),
        )
    if allowed(Action.WITHDRAWN, request.status):
        kb.button(
            text=texts.BTN_WITHDRAW,
            callback_data=MineCallback(action=MineAction.WITHDRAW, id=number),
        )
    kb.button(text=ui.BTN_BACK, callback_data=MineCallback(action=MineAction.LIST))
    kb.adjust(1)
    return kb.as_markup()


def withdraw_kb(request_id: int) -> InlineKeyboardMarkup:
    kb = Buttons()
    kb.button(
        text=texts.BTN_WITHDRAW_YES,
        callback_data=MineCallback(action=MineAction.WITHDRAW_YES, id=request_id),
    )
    kb.button(text=ui.BTN_BACK, callback_data=MineCallback(action=MineAction.OPEN, id=request_id))
    kb.adjust(1)
    return kb.as_markup()


def forget_kb() -> InlineKeyboardMarkup:
    kb = Buttons()
    kb.button(text=texts.BTN_FORGET_YES, callback_data=ForgetCallback(action=ForgetAction.YES))
    kb.button(text=ui.BTN_CANCEL, callback_data=ForgetCallback(action=ForgetAction.NO))
    kb.adjust(2)
    return kb.as_markup()


def announce_kb(session_id: int) -> InlineKeyboardMarkup:
    kb = Buttons()
    kb.button(
        text=texts.BTN_ANNOUNCE,
        callback_data=SessionCallback(action=SessionAction.ANNOUNCE, id=session_id),
    )
    return kb.as_markup()


def sessions_kb(pending: Sequence[int]) -> InlineKeyboardMarkup:
    kb = Buttons()
    for session_id in pending:
        kb.button(
            text=texts.BTN_RESULTS.format(id=session_id),
            callback_data=SessionCallback(action=SessionAction.RESULTS, id=session_id),
        )
    kb.button(text=texts.BTN_NEW_SESSION, callback_data=SessionCallback(action=SessionAction.NEW))
    count = len(pending)
    kb.adjust(*([3] * (count // 3)), *([count % 3] if count % 3 else []), 1)
    return kb.as_markup()


def _filter(where: QueueFilter) -> QueueCallback:
    return QueueCallback(action=QueueAction.FILTER, f=where.pack())


def queue_kb(ids: Sequence[int], where: QueueFilter, page: int, pages: int) -> InlineKeyboardMarkup:
    """The list's request buttons, then a row per filter; each button changes one part."""
    kb = Buttons()
    sizes: list[int] = []
    for number in ids:
        kb.button(text=f"№{number}", callback_data=CardCallback(action=CardAction.OPEN, id=number))
    sizes += [5] * (len(ids) // 5) + ([len(ids) % 5] if len(ids) % 5 else [])
    statuses = [("", texts.REQUESTS_FILTER_ALL), *texts.REQUEST_STATUS.items()]
    for code, title in statuses:
        mark = "• " if code == where.status else ""
        kb.button(text=f"{mark}{title}", callback_data=_filter(where.replace(status=code)))
    sizes += [3, 2, 2]
    for code, title in (
        ("", texts.BTN_FILTER_ANYONE),
        ("me", texts.BTN_FILTER_MINE),
        ("none", texts.BTN_FILTER_NOBODY),
    ):
        mark = "• " if code == where.assignee else ""
        kb.button(text=f"{mark}{title}", callback_data=_filter(where.replace(assignee=code)))
    sizes.append(3)
    kb.button(
        text=texts.BTN_FILTER_TOPIC,
        callback_data=QueueCallback(action=QueueAction.PICK_TOPIC, f=where.pack()),
    )
    kb.button(text=texts.BTN_FILTER_RESET, callback_data=_filter(QueueFilter()))
    sizes.append(2)
    nav = 0
    if page > 0:
        kb.button(
            text="◀️",
            callback_data=QueueCallback(action=QueueAction.PAGE, page=page - 1, f=where.pack()),
        )
        nav += 1
    if page + 1 < pages:
        kb.button(
            text="▶️",
            callback_data=QueueCallback(action=QueueAction.PAGE, page=page + 1, f=where.pack()),
        )
        nav += 1
    if nav:
        sizes.append(nav)
    kb.adjust(*sizes)
    return kb.as_markup()


def queue_topics_kb(topics: Sequence[tuple[str, str]], where: QueueFilter) -> InlineKeyboardMarkup:
    kb = Buttons()
    kb.button(text=texts.REQUESTS_FILTER_ALL, callback_data=_filter(where.replace(topic="")))
    for code, title in topics:
        kb.button(text=shorten(title, 30), callback_data=_filter(where.replace(topic=code)))
    kb.adjust(2)
    return kb.as_markup()


def queue_orgs_kb(options: Sequence[tuple[int, str]], where: QueueFilter) -> InlineKeyboardMarkup:
    """One button per МО that matched the /requests query."""
    kb = Buttons()
    for org_id, title in options:
        kb.button(text=shorten(title, 60), callback_data=_filter(where.replace(org=org_id)))
    kb.adjust(1)
    return kb.as_markup()
