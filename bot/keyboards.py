"""Every keyboard builder."""

from __future__ import annotations

import calendar
from collections.abc import Callable, Collection, Sequence
from datetime import date, timedelta
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder, ReplyKeyboardBuilder

from bot import texts
from bot.callbacks import (
    BroadcastAction,
    BroadcastCallback,
    BrowseAction,
    BrowseCallback,
    ChatAction,
    ChatCallback,
    DraftAction,
    DraftCallback,
    EditAction,
    EditCallback,
    HoldAction,
    HoldCallback,
    MaterialAction,
    MaterialCallback,
    OrgAction,
    OrgCallback,
    QueueFilter,
    RequestAction,
    RequestCallback,
    ReviewAction,
    ReviewCallback,
    RoleAction,
    RoleCallback,
    SearchAction,
    SearchCallback,
    Source,
    StatsAction,
    StatsCallback,
    SubscribeCallback,
    VksAction,
    VksCallback,
)
from bot.deeplinks import Route
from bot.deeplinks import link as deeplink
from catalog.model import AUDIENCES, KIND_TITLES
from catalog.stats import Period
from storage.users import Role


class InlineKeyboard(InlineKeyboardBuilder):
    """aiogram's builder without its deep copies.

    aiogram's ``add`` deep-copies the whole keyboard of pydantic buttons on every button, so a
    keyboard of n buttons costs n² copies: 28 ms for the subscriptions list (bench/updates.py).
    Our buttons are never changed once made, so copying the rows is enough.
    """

    def export(self) -> list[list[InlineKeyboardButton]]:
        return [list(row) for row in self._markup]


class ReplyKeyboard(ReplyKeyboardBuilder):
    """The reply-keyboard twin of InlineKeyboard."""

    def export(self) -> list[list[KeyboardButton]]:
        return [list(row) for row in self._markup]


class Buttons:
    """A lean inline keyboard builder for the hottest keyboards (search results, cards).

    aiogram's InlineKeyboardBuilder deep-copies every pydantic button when it is added and again
    on export; on a search answer that was a third of the handler's time (bench/updates.py).
    Same ``button``/``adjust``/``as_markup`` calls, no copies.
    """

    def __init__(self) -> None:
        self._buttons: list[InlineKeyboardButton] = []
        self._sizes: tuple[int, ...] = (8,)

    def button(
        self, *, text: str, callback_data: CallbackData | str | None = None, url: str | None = None
    ) -> None:
        data = callback_data.pack() if isinstance(callback_data, CallbackData) else callback_data
        self._buttons.append(InlineKeyboardButton(text=text, callback_data=data, url=url))

    def adjust(self, *sizes: int) -> None:
        """Rows of these sizes, the last size repeated for the buttons left (as aiogram's)."""
        self._sizes = sizes or (1,)

    def as_markup(self) -> InlineKeyboardMarkup:
        rows: list[list[InlineKeyboardButton]] = []
        index = 0
        sizes = list(self._sizes)
        while index < len(self._buttons):
            size = max(sizes.pop(0) if len(sizes) > 1 else sizes[0], 1)
            rows.append(self._buttons[index : index + size])
            index += size
        return InlineKeyboardMarkup(inline_keyboard=rows)


def main_menu_kb(role: Role) -> ReplyKeyboardMarkup:
    """The reply keyboard under the input field; it grows with the user's role. Memoised,
    like every fixed keyboard here: building it took a third of a millisecond."""
    kb = ReplyKeyboard()
    kb.button(text=texts.BTN_SEARCH_HINT)
    kb.button(text=texts.BTN_CATALOG)
    kb.button(text=texts.BTN_SUBSCRIPTIONS)
    if role.at_least(Role.TUTOR):
        kb.button(text=texts.BTN_REQUEST)
        kb.button(text=texts.BTN_MY_REQUESTS)
    if role.at_least(Role.METHODOLOGIST):
        kb.button(text=texts.BTN_STATS)
    if role.at_least(Role.ADMIN):
        kb.button(text=texts.BTN_ROLES)
    kb.button(text=texts.BTN_HELP)
    kb.adjust(2)
    return kb.as_markup(resize_keyboard=True, is_persistent=True)


def role_pick_kb(user_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    for role in (Role.ADMIN, Role.METHODOLOGIST, Role.TUTOR, Role.STAFF):
        kb.button(
            text=texts.ROLE_BUTTONS[role],
            callback_data=RoleCallback(action=RoleAction.SET, user_id=user_id, role=role),
        )
    kb.button(text=texts.BTN_CANCEL, callback_data=RoleCallback(action=RoleAction.CANCEL))
    kb.adjust(2, 2, 1)
    return kb.as_markup()


def _nav_row(
    kb: InlineKeyboardBuilder | Buttons,
    page: int,
    pages: int,
    to_page: Callable[[int], CallbackData],
    *,
    show_position: bool,
) -> int:
    """◀️ [n/m] ▶️ for a paged list; returns how many buttons it added."""
    added = 0
    if page > 0:
        kb.button(text="◀️", callback_data=to_page(page - 1))
        added += 1
    if show_position and pages > 1:
        kb.button(text=f"{page + 1}/{pages}", callback_data=to_page(page))
        added += 1
    if page < pages - 1:
        kb.button(text="▶️", callback_data=to_page(page + 1))
        added += 1
    return added


def results_kb(
    qid: int, sig: str, page: int, pages: int, ids: list[int], first_number: int
) -> InlineKeyboardMarkup:
    kb = Buttons()
    for n, material_id in enumerate(ids, first_number):
        kb.button(
            text=str(n),
            callback_data=MaterialCallback(
                action=MaterialAction.OPEN,
                id=material_id,
                src=Source.SEARCH,
                qid=qid,
                page=page,
                sig=sig,
            ),
        )
    nav = _nav_row(
        kb,
        page,
        pages,
        lambda p: SearchCallback(action=SearchAction.PAGE, qid=qid, page=p, sig=sig),
        show_position=True,
    )
    kb.adjust(*[size for size in (len(ids), nav) if size])
    return kb.as_markup()


def nothing_found_kb(
    qid: int, sig: str, corrected: tuple[int, str, str] | None
) -> InlineKeyboardMarkup:
    """``corrected``: the suggested query's id, its signature and its text."""
    kb = Buttons()
    if corrected is not None:
        corrected_qid, corrected_sig, text = corrected
        kb.button(
            text=texts.BTN_TRY.format(query=texts.shorten(text, 40)),
            callback_data=SearchCallback(
                action=SearchAction.PAGE, qid=corrected_qid, sig=corrected_sig
            ),
        )
    kb.button(text=texts.BTN_TOPICS, callback_data=BrowseCallback(action=BrowseAction.TOPICS))
    kb.button(
        text=texts.BTN_WISH,
        callback_data=SearchCallback(action=SearchAction.WISH, qid=qid, sig=sig),
    )
    kb.adjust(1)
    return kb.as_markup()


def card_kb(
    material_id: int,
    back: CallbackData | None,
    share_url: str | None,
    src: Source,
    can_get: bool,
    manage: bool = False,
) -> InlineKeyboardMarkup:
    packed = back.pack() if back is not None else None
    return _card_kb(material_id, packed, share_url, src, can_get, manage)


def _card_kb(
    material_id: int,
    back: str | None,
    share_url: str | None,
    src: Source,
    can_get: bool,
    manage: bool,
) -> InlineKeyboardMarkup:
    kb = Buttons()
    if can_get:
        kb.button(
            text=texts.BTN_GET,
            callback_data=MaterialCallback(action=MaterialAction.GET, id=material_id, src=src),
        )
    if share_url:
        kb.button(text=texts.BTN_SHARE, url=share_url)
    if manage:
        manage_buttons(kb, material_id, can_get)
        # s=e=0: the current month, worked out when the button is pressed.
        kb.button(
            text=texts.BTN_MATERIAL_CHART,
            callback_data=StatsCallback(a=StatsAction.CHART, t=f"#{material_id}"),
        )
    if back is not None:
        kb.button(text=texts.BTN_BACK, callback_data=back)
    kb.adjust(2)
    return kb.as_markup()


def link_kb(url: str) -> InlineKeyboardMarkup:
    kb = Buttons()
    kb.button(text=texts.BTN_OPEN_LINK, url=url)
    return kb.as_markup()


def topics_kb(topics: Sequence[tuple[str, str, int]]) -> InlineKeyboardMarkup:
    return _topics_kb(tuple(topics))


def _topics_kb(topics: tuple[tuple[str, str, int], ...]) -> InlineKeyboardMarkup:
    kb = Buttons()
    for code, title, count in topics:
        kb.button(
            text=f"{title} ({count})",
            callback_data=BrowseCallback(action=BrowseAction.KINDS, topic=code),
        )
    kb.adjust(2)
    return kb.as_markup()


def kinds_kb(topic: str, kinds: list[tuple[str, str, int]], total: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    kb.button(
        text=f"{texts.CATALOG_ALL_KINDS} ({total})",
        callback_data=BrowseCallback(action=BrowseAction.LIST, topic=topic),
    )
    for code, title, count in kinds:
        kb.button(
            text=f"{title} ({count})",
            callback_data=BrowseCallback(action=BrowseAction.LIST, topic=topic, kind=code),
        )
    kb.button(text=texts.BTN_BACK, callback_data=BrowseCallback(action=BrowseAction.TOPICS))
    kb.adjust(1, 2)
    return kb.as_markup()


def browse_list_kb(
    topic: str, kind: str, page: int, pages: int, ids: list[int], first_number: int
) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    for n, material_id in enumerate(ids, first_number):
        kb.button(
            text=str(n),
            callback_data=MaterialCallback(
                action=MaterialAction.OPEN,
                id=material_id,
                src=Source.BROWSE,
                page=page,
                topic=topic,
                kind=kind,
            ),
        )
    nav = _nav_row(
        kb,
        page,
        pages,
        lambda p: BrowseCallback(action=BrowseAction.LIST, topic=topic, kind=kind, page=p),
        show_position=False,
    )
    kb.button(
        text=texts.BTN_BACK, callback_data=BrowseCallback(action=BrowseAction.KINDS, topic=topic)
    )
    kb.adjust(*[size for size in (len(ids), nav + 1) if size])
    return kb.as_markup()


def single_button_kb(text: str, action: DraftAction) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    kb.button(text=text, callback_data=DraftCallback(action=action))
    return kb.as_markup()


def topics_pick_kb(topics: list[tuple[str, str]], chosen: list[str]) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    for code, title in topics:
        mark = "✅ " if code in chosen else ""
        kb.button(
            text=f"{mark}{title}", callback_data=DraftCallback(action=DraftAction.TOPIC, value=code)
        )
    kb.button(text=texts.BTN_DONE, callback_data=DraftCallback(action=DraftAction.TOPICS_DONE))
    kb.adjust(2)
    return kb.as_markup()


def kind_pick_kb() -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    for kind, title in KIND_TITLES.items():
        kb.button(
            text=title, callback_data=DraftCallback(action=DraftAction.KIND, value=kind.value)
        )
    kb.adjust(2)
    return kb.as_markup()


def audience_pick_kb(chosen: list[str]) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    for code, title in AUDIENCES.items():
        mark = "✅ " if code in chosen else ""
        kb.button(
            text=f"{mark}{title}",
            callback_data=DraftCallback(action=DraftAction.AUDIENCE, value=code),
        )
    kb.button(text=texts.BTN_DONE, callback_data=DraftCallback(action=DraftAction.AUDIENCE_DONE))
    kb.adjust(2)
    return kb.as_markup()


def preview_kb() -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    kb.button(text=texts.BTN_SAVE, callback_data=DraftCallback(action=DraftAction.SAVE))
    kb.button(text=texts.BTN_CANCEL, callback_data=DraftCallback(action=DraftAction.CANCEL))
    kb.adjust(2)
    return kb.as_markup()


def pd_choice_kb(admin: bool) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    if admin:
        kb.button(text=texts.BTN_PD_FORCE, callback_data=DraftCallback(action=DraftAction.PD_FORCE))
    else:
        kb.button(text=texts.BTN_PD_HOLD, callback_data=DraftCallback(action=DraftAction.PD_HOLD))
    kb.button(text=texts.BTN_CANCEL, callback_data=DraftCallback(action=DraftAction.CANCEL))
    kb.adjust(1)
    return kb.as_markup()


def pd_hold_kb(material_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    kb.button(
        text=texts.BTN_PD_FORCE,
        callback_data=HoldCallback(action=HoldAction.PUBLISH, id=material_id),
    )
    kb.button(
        text=texts.BTN_PD_KEEP, callback_data=HoldCallback(action=HoldAction.KEEP, id=material_id)
    )
    kb.adjust(1)
    return kb.as_markup()


def manage_buttons(kb: InlineKeyboardBuilder | Buttons, material_id: int, active: bool) -> None:
    kb.button(
        text=texts.BTN_EDIT, callback_data=EditCallback(action=EditAction.MENU, id=material_id)
    )
    if active:
        kb.button(
            text=texts.BTN_ARCHIVE,
            callback_data=EditCallback(action=EditAction.ARCHIVE, id=material_id),
        )
    else:
        kb.button(
            text=texts.BTN_RESTORE,
            callback_data=EditCallback(action=EditAction.RESTORE, id=material_id),
        )


def edit_menu_kb(material_id: int, has_file: bool) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    for field, title in texts.FIELD_TITLES.items():
        kb.button(
            text=title,
            callback_data=EditCallback(action=EditAction.FIELD, id=material_id, field=field),
        )
    if has_file:
        kb.button(
            text=texts.BTN_NEW_FILE,
            callback_data=EditCallback(action=EditAction.NEW_FILE, id=material_id),
        )
    kb.adjust(2)
    return kb.as_markup()


# -- announcements, chats and the VKS ------------------------------------------------------------


def vks_post_kb(day: date, attending: int, bot_username: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    kb.button(
        text=texts.BTN_ATTEND.format(count=attending),
        callback_data=VksCallback(action=VksAction.ATTEND, day=f"{day:%Y%m%d}"),
    )
    if bot_username:
        kb.button(text=texts.BTN_CALENDAR, url=deeplink(bot_username, Route.ICS, f"{day:%Y%m%d}"))
    kb.adjust(1)
    return kb.as_markup()


def material_link_kb(material_id: int, bot_username: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    kb.button(text=texts.BTN_OPEN_IN_BOT, url=deeplink(bot_username, Route.MATERIAL, material_id))
    return kb.as_markup()


def toggles_kb(
    options: list[tuple[str, str]],
    chosen: Collection[str],
    make: Callable[[str], CallbackData],
    done: CallbackData | None,
    *,
    done_text: str = texts.BTN_DONE,
) -> InlineKeyboardMarkup:
    """A two-column multi-select: ✅ marks what is chosen; pressing an option toggles it."""
    kb = InlineKeyboard()
    for value, title in options:
        mark = "✅ " if value in chosen else ""
        kb.button(text=mark + texts.shorten(title, 60 - len(mark)), callback_data=make(value))
    if done is not None:
        kb.button(text=done_text, callback_data=done)
    kb.adjust(2)
    return kb.as_markup()


def bind_kb(
    topics: list[tuple[str, str]], chosen: list[str], chat_id: int, thread: int
) -> InlineKeyboardMarkup:
    return toggles_kb(
        topics,
        chosen,
        lambda code: ChatCallback(
            action=ChatAction.TOGGLE, chat_id=chat_id, thread=thread, topic=code
        ),
        ChatCallback(action=ChatAction.BIND_DONE, chat_id=chat_id, thread=thread),
    )


def chats_list_kb(chats: list[tuple[int, str]], page: int, pages: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    for chat_id, title in chats:
        kb.button(
            text=texts.shorten(title, 40),
            callback_data=ChatCallback(action=ChatAction.OPEN, chat_id=chat_id),
        )
    kb.adjust(1)
    nav = InlineKeyboard()
    added = _nav_row(
        nav,
        page,
        pages,
        lambda p: ChatCallback(action=ChatAction.LIST, page=p),
        show_position=False,
    )
    if added:
        kb.row(*nav.buttons)
    return kb.as_markup()


def chat_card_kb(chat_id: int, has_welcome: bool) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    kb.button(
        text=texts.BTN_BIND,
        callback_data=ChatCallback(action=ChatAction.BIND, chat_id=chat_id),
    )
    kb.button(
        text=texts.BTN_WELCOME,
        callback_data=ChatCallback(action=ChatAction.WELCOME, chat_id=chat_id),
    )
    if has_welcome:
        kb.button(
            text=texts.BTN_WELCOME_OFF,
            callback_data=ChatCallback(action=ChatAction.WELCOME_OFF, chat_id=chat_id),
        )
    kb.button(
        text=texts.BTN_REFRESH,
        callback_data=ChatCallback(action=ChatAction.REFRESH, chat_id=chat_id),
    )
    kb.button(text=texts.BTN_CHATS_BACK, callback_data=ChatCallback(action=ChatAction.LIST))
    kb.adjust(2)
    return kb.as_markup()


def subscribe_kb(
    topics: Sequence[tuple[str, str]], chosen: Collection[str]
) -> InlineKeyboardMarkup:
    return _subscribe_kb(tuple(topics), frozenset(chosen))


def _subscribe_kb(
    topics: tuple[tuple[str, str], ...], chosen: frozenset[str]
) -> InlineKeyboardMarkup:
    return toggles_kb(
        list(topics), chosen, lambda code: SubscribeCallback(topic=code), SubscribeCallback()
    )


def vks_dates_kb(days: list[tuple[date, str]]) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    for day, status in days:
        kb.button(
            text=f"{day:%d.%m} · {status}",
            callback_data=VksCallback(action=VksAction.OPEN, day=f"{day:%Y%m%d}"),
        )
    kb.adjust(1)
    return kb.as_markup()


def vks_card_kb(day: date, cancelled: bool) -> InlineKeyboardMarkup:
    key = f"{day:%Y%m%d}"
    kb = InlineKeyboard()
    for field, title in texts.VKS_FIELD_TITLES.items():
        kb.button(
            text=title, callback_data=VksCallback(action=VksAction.FIELD, day=key, field=field)
        )
    kb.button(
        text=texts.BTN_VKS_DIRECTIONS,
        callback_data=VksCallback(action=VksAction.DIRECTIONS, day=key),
    )
    if cancelled:
        kb.button(
            text=texts.BTN_VKS_RESTORE, callback_data=VksCallback(action=VksAction.RESTORE, day=key)
        )
    else:
        kb.button(
            text=texts.BTN_VKS_CANCEL, callback_data=VksCallback(action=VksAction.CANCEL, day=key)
        )
    kb.button(
        text=texts.BTN_VKS_PREVIEW, callback_data=VksCallback(action=VksAction.PREVIEW, day=key)
    )
    kb.button(
        text=texts.BTN_VKS_RECORDING, callback_data=VksCallback(action=VksAction.RECORDING, day=key)
    )
    kb.button(text=texts.BTN_VKS_BACK, callback_data=VksCallback(action=VksAction.LIST))
    kb.adjust(3, 2, 2, 1)
    return kb.as_markup()


def vks_directions_kb(
    day: date, topics: list[tuple[str, str]], chosen: tuple[str, ...]
) -> InlineKeyboardMarkup:
    key = f"{day:%Y%m%d}"
    return toggles_kb(
        topics,
        chosen,
        lambda code: VksCallback(action=VksAction.TOGGLE_DIRECTION, day=key, topic=code),
        VksCallback(action=VksAction.OPEN, day=key),
    )


def _yes_no(flag: bool) -> str:
    return texts.YES if flag else texts.NO


def _broadcast_kb(buttons: list[tuple[str, BroadcastAction]], *sizes: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    for text, action in buttons:
        kb.button(text=text, callback_data=BroadcastCallback(action=action))
    kb.adjust(*sizes)
    return kb.as_markup()


def broadcast_targets_kb(subscribers: bool) -> InlineKeyboardMarkup:
    a = BroadcastAction
    return _broadcast_kb(
        [
            (texts.BTN_ALL_CHATS, a.ALL),
            (texts.BTN_BY_TOPICS, a.BY_TOPICS),
            (texts.BTN_BY_CHATS, a.BY_CHATS),
            (texts.BTN_SUBSCRIBERS.format(state=_yes_no(subscribers)), a.SUBSCRIBERS),
            (texts.BTN_NEXT, a.NEXT),
            (texts.BTN_DISCARD, a.DISCARD),
        ],
        1,
        2,
        1,
        2,
    )


def broadcast_pick_kb(
    options: list[tuple[str, str]], chosen: list[str], action: BroadcastAction
) -> InlineKeyboardMarkup:
    return toggles_kb(
        options,
        chosen,
        lambda value: BroadcastCallback(action=action, value=value),
        BroadcastCallback(action=BroadcastAction.TARGETS),
    )


def broadcast_confirm_kb(pin: bool) -> InlineKeyboardMarkup:
    a = BroadcastAction
    return _broadcast_kb(
        [
            (texts.BTN_SEND_NOW, a.SEND_NOW),
            (texts.BTN_SCHEDULE, a.SCHEDULE),
            (texts.BTN_PIN.format(state=_yes_no(pin)), a.PIN),
            (texts.BTN_TARGETS, a.TARGETS),
            (texts.BTN_DISCARD, a.DISCARD),
        ],
        2,
        2,
        1,
    )


def broadcasts_kb(items: list[int]) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    for number in items:
        kb.button(
            text=f"№{number}",
            callback_data=BroadcastCallback(action=BroadcastAction.SHOW, id=number),
        )
    kb.adjust(5)
    return kb.as_markup()


def broadcast_manage_kb(
    number: int, can_cancel: bool, can_recall: bool, failed: int = 0
) -> InlineKeyboardMarkup | None:
    kb = InlineKeyboard()
    if can_cancel:
        kb.button(
            text=texts.BTN_CANCEL_BROADCAST,
            callback_data=BroadcastCallback(action=BroadcastAction.CANCEL, id=number),
        )
    if can_recall:
        kb.button(
            text=texts.BTN_RECALL,
            callback_data=BroadcastCallback(action=BroadcastAction.RECALL, id=number),
        )
    if failed:
        kb.button(
            text=texts.BTN_RETRY_FAILED.format(count=failed),
            callback_data=BroadcastCallback(action=BroadcastAction.RETRY_FAILED, id=number),
        )
    kb.adjust(2)
    return kb.as_markup() if (can_cancel or can_recall or failed) else None


def delivery_report_kb(number: int, failed: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    kb.button(
        text=texts.BTN_RETRY_FAILED.format(count=failed),
        callback_data=BroadcastCallback(action=BroadcastAction.RETRY_FAILED, id=number),
    )
    return kb.as_markup()


def recall_confirm_kb(number: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    kb.button(
        text=texts.BTN_RECALL_YES,
        callback_data=BroadcastCallback(action=BroadcastAction.RECALL_CONFIRM, id=number),
    )
    kb.button(
        text=texts.BTN_BACK, callback_data=BroadcastCallback(action=BroadcastAction.SHOW, id=number)
    )
    return kb.as_markup()


# -- training requests ------------------------------------------------------------------------

MONTH_NAMES = (
    "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь",
    "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь",
)  # fmt: skip
WEEKDAY_SHORT = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")


def calendar_rows(
    month: date,
    lo: date,
    hi: date,
    day_cb: Callable[[date], CallbackData],
    month_cb: Callable[[date], CallbackData],
    marked: date | None = None,
) -> list[list[InlineKeyboardButton]]:
    """A month grid: days in [lo, hi] are buttons, others blank. Blank cells and titles redraw
    the same month, so they are harmless to press."""
    first = month.replace(day=1)
    same = month_cb(first).pack()
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    title = f"{MONTH_NAMES[first.month - 1]} {first.year}"
    rows = [
        [
            InlineKeyboardButton(
                text="‹" if prev_month >= lo.replace(day=1) else " ",
                callback_data=month_cb(prev_month).pack()
                if prev_month >= lo.replace(day=1)
                else same,
            ),
            InlineKeyboardButton(text=title, callback_data=same),
            InlineKeyboardButton(
                text="›" if next_month <= hi else " ",
                callback_data=month_cb(next_month).pack() if next_month <= hi else same,
            ),
        ],
        [InlineKeyboardButton(text=d, callback_data=same) for d in WEEKDAY_SHORT],
    ]
    for week in calendar.Calendar().monthdatescalendar(first.year, first.month):
        row = []
        for day in week:
            if day.month != first.month or not lo <= day <= hi:
                row.append(InlineKeyboardButton(text=" ", callback_data=same))
                continue
            text = f"•{day.day}•" if day == marked else str(day.day)
            row.append(InlineKeyboardButton(text=text, callback_data=day_cb(day).pack()))
        rows.append(row)
    return rows


def _rq(action: RequestAction, value: str = "") -> RequestCallback:
    return RequestCallback(action=action, value=value)


def _back_row() -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=texts.BTN_BACK, callback_data=_rq(RequestAction.BACK).pack())]


# The form's keyboards are the same for every tutor at a step (the calendar, for every tutor
# on the same day): built once, like the result pages' (see _results_kb).


def req_back_kb() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[_back_row()])


def req_org_kb(
    found: Sequence[tuple[int, str]], remembered: tuple[int, str] | None = None
) -> InlineKeyboardMarkup | None:
    return _req_org_kb(tuple(found), remembered)


def _req_org_kb(
    found: tuple[tuple[int, str], ...], remembered: tuple[int, str] | None
) -> InlineKeyboardMarkup | None:
    kb = InlineKeyboard()
    if remembered is not None:
        kb.button(
            text=texts.BTN_KEEP_ORG.format(org=texts.shorten(remembered[1], 45)),
            callback_data=_rq(RequestAction.KEEP_ORG, str(remembered[0])),
        )
    for org_id, short in found:
        kb.button(text=texts.shorten(short, 60), callback_data=_rq(RequestAction.ORG, str(org_id)))
    kb.adjust(1)
    return kb.as_markup() if remembered or found else None


def req_topics_kb(topics: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    return _req_topics_kb(tuple(topics))


def _req_topics_kb(topics: tuple[tuple[str, str], ...]) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    for code, title in topics:
        kb.button(text=texts.shorten(title, 60), callback_data=_rq(RequestAction.TOPIC, code))
    kb.adjust(2)
    kb.row(*_back_row())
    return kb.as_markup()


def req_format_kb() -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    for code, title in texts.FORMAT_TITLES.items():
        kb.button(text=title, callback_data=_rq(RequestAction.FORMAT, code))
    kb.adjust(1)
    kb.row(*_back_row())
    return kb.as_markup()


def req_audience_kb(chosen: Sequence[str]) -> InlineKeyboardMarkup:
    return _req_audience_kb(frozenset(chosen))


def _req_audience_kb(chosen: frozenset[str]) -> InlineKeyboardMarkup:
    kb = toggles_kb(
        list(texts.AUDIENCE_TITLES.items()),
        chosen,
        lambda code: _rq(RequestAction.AUDIENCE, code),
        _rq(RequestAction.AUDIENCE_DONE),
    )
    kb.inline_keyboard.append(_back_row())
    return kb


def req_calendar_kb(month: date, lo: date, hi: date, start: date | None) -> InlineKeyboardMarkup:
    rows = calendar_rows(
        month,
        lo,
        hi,
        lambda d: _rq(RequestAction.DAY, f"{d:%Y%m%d}"),
        lambda d: _rq(RequestAction.MONTH, f"{d:%Y%m}"),
        start,
    )
    if start is not None:
        rows.append(
            [
                InlineKeyboardButton(
                    text=texts.BTN_ONE_DAY, callback_data=_rq(RequestAction.RANGE_DONE).pack()
                )
            ]
        )
    rows.append(_back_row())
    return InlineKeyboardMarkup(inline_keyboard=rows)


def req_comment_kb() -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    kb.button(text=texts.BTN_NO_COMMENT, callback_data=_rq(RequestAction.SKIP))
    kb.row(*_back_row())
    return kb.as_markup()


REQUEST_FIELD_BUTTONS = (
    ("org", "🏥 МО"),
    ("topic", "📚 Направление"),
    ("format", "🎓 Формат"),
    ("audience", "👥 Слушатели"),
    ("participants", "🔢 Участники"),
    ("dates", "📅 Даты"),
    ("contact", "☎️ Контакт"),
    ("comment", "💬 Комментарий"),
)


def req_summary_kb(resubmit: bool) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    for step, title in REQUEST_FIELD_BUTTONS:
        kb.button(text=title, callback_data=_rq(RequestAction.EDIT, step))
    kb.button(
        text=texts.BTN_RESUBMIT if resubmit else texts.BTN_SUBMIT,
        callback_data=_rq(RequestAction.SUBMIT),
    )
    kb.adjust(2, 2, 2, 2, 1)
    return kb.as_markup()


def req_fix_kb(request_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    kb.button(
        text=texts.BTN_FIX.format(id=request_id),
        callback_data=_rq(RequestAction.FIX, str(request_id)),
    )
    return kb.as_markup()


def _rv(action: ReviewAction, request_id: int = 0, value: str = "") -> ReviewCallback:
    return ReviewCallback(action=action, id=request_id, value=value)


def review_kb(
    request_id: int, status: str, session_id: int | None, announced: bool
) -> InlineKeyboardMarkup:
    """The queue card's buttons for the request's current status."""
    kb = InlineKeyboard()
    if status == "new":
        kb.button(text=texts.BTN_TAKE, callback_data=_rv(ReviewAction.TAKE, request_id))
    if status in ("new", "taken"):
        kb.button(text=texts.BTN_APPROVE, callback_data=_rv(ReviewAction.APPROVE, request_id))
        kb.button(text=texts.BTN_CHANGES, callback_data=_rv(ReviewAction.CHANGES, request_id))
    if status in ("new", "taken", "changes"):
        kb.button(text=texts.BTN_REJECT, callback_data=_rv(ReviewAction.REJECT, request_id))
    if status == "approved" and session_id is not None and not announced:
        kb.button(text=texts.BTN_ANNOUNCE, callback_data=_rv(ReviewAction.ANNOUNCE, session_id))
    kb.button(text=texts.BTN_HISTORY, callback_data=_rv(ReviewAction.HISTORY, request_id))
    kb.adjust(1)
    return kb.as_markup()


def requests_list_kb(
    ids: Sequence[int], filters: str, page: int, pages: int, mine: str, status: str
) -> InlineKeyboardMarkup:
    """``filters`` is the packed filter (see handlers.review); each button changes one part."""
    current = QueueFilter.unpack(filters)
    kb = InlineKeyboard()
    for request_id in ids:
        kb.button(text=f"№{request_id}", callback_data=_rv(ReviewAction.OPEN, request_id))
    kb.adjust(5)
    statuses = [("", texts.REQUESTS_FILTER_ALL), *texts.REQUEST_STATUS.items()]
    row = InlineKeyboard()
    for code, title in statuses:
        mark = "• " if code == status else ""
        row.button(
            text=f"{mark}{title}",
            callback_data=_rv(ReviewAction.FILTER, 0, current.replace(status=code).pack()),
        )
    row.adjust(3)
    kb.attach(row)
    who = InlineKeyboard()
    for code, title in (
        ("", texts.BTN_FILTER_ANYONE),
        ("me", texts.BTN_FILTER_MINE),
        ("none", texts.BTN_FILTER_NOBODY),
    ):
        mark = "• " if code == mine else ""
        who.button(
            text=f"{mark}{title}",
            callback_data=_rv(ReviewAction.FILTER, 0, current.replace(assignee=code).pack()),
        )
    who.adjust(3)
    kb.attach(who)
    tail = InlineKeyboard()
    tail.button(
        text=texts.BTN_FILTER_TOPIC,
        callback_data=_rv(ReviewAction.FILTER, 0, current.replace(topic="*").pack()),
    )
    tail.button(text=texts.BTN_FILTER_RESET, callback_data=_rv(ReviewAction.FILTER, 0, ""))
    nav: list[InlineKeyboardButton] = []
    if page > 0:
        nav.append(
            InlineKeyboardButton(
                text="‹", callback_data=_rv(ReviewAction.PAGE, page - 1, filters).pack()
            )
        )
    if page + 1 < pages:
        nav.append(
            InlineKeyboardButton(
                text="›", callback_data=_rv(ReviewAction.PAGE, page + 1, filters).pack()
            )
        )
    tail.adjust(2)
    kb.attach(tail)
    if nav:
        kb.row(*nav)
    return kb.as_markup()


def filter_topics_kb(topics: Sequence[tuple[str, str]], packed: str) -> InlineKeyboardMarkup:
    current = QueueFilter.unpack(packed)
    kb = InlineKeyboard()
    kb.button(
        text=texts.REQUESTS_FILTER_ALL,
        callback_data=_rv(ReviewAction.FILTER, 0, current.replace(topic="").pack()),
    )
    for code, title in topics:
        kb.button(
            text=texts.shorten(title, 60),
            callback_data=_rv(ReviewAction.FILTER, 0, current.replace(topic=code).pack()),
        )
    kb.adjust(2)
    return kb.as_markup()


def filter_orgs_kb(options: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """(title, packed filter) pairs: one button per МО that matched the /requests query."""
    kb = InlineKeyboard()
    for title, packed in options:
        kb.button(text=texts.shorten(title, 60), callback_data=_rv(ReviewAction.FILTER, 0, packed))
    kb.adjust(1)
    return kb.as_markup()


def schedule_calendar_kb(month: date, lo: date, hi: date) -> InlineKeyboardMarkup:
    rows = calendar_rows(
        month,
        lo,
        hi,
        lambda d: _rv(ReviewAction.DAY, 0, f"{d:%Y%m%d}"),
        lambda d: _rv(ReviewAction.MONTH, 0, f"{d:%Y%m}"),
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _choices(
    action: ReviewAction, options: Sequence[tuple[str, str]], width: int
) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    for value, title in options:
        kb.button(text=texts.shorten(title, 60), callback_data=_rv(action, 0, value))
    kb.adjust(width)
    return kb.as_markup()


SESSION_TIMES = ("08:38", "09:00", "10:00", "11:00", "13:00", "14:00", "15:00")
SESSION_HOURS = ("1", "2", "3", "4", "6", "8")


def schedule_time_kb() -> InlineKeyboardMarkup:
    return _choices(ReviewAction.TIME, [(t.replace(":", ""), t) for t in SESSION_TIMES], 4)


def schedule_format_kb() -> InlineKeyboardMarkup:
    return _choices(ReviewAction.FORMAT, list(texts.FORMAT_TITLES.items()), 1)


def schedule_hours_kb() -> InlineKeyboardMarkup:
    return _choices(ReviewAction.HOURS, [(h, f"{h} ч") for h in SESSION_HOURS], 6)


def schedule_topics_kb(topics: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    return _choices(ReviewAction.TOPIC, topics, 2)


def schedule_orgs_kb(found: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    kb.button(text=texts.BTN_FOR_ALL, callback_data=_rv(ReviewAction.ORG, 0, "0"))
    for org_id, short in found:
        kb.button(
            text=texts.shorten(short, 60), callback_data=_rv(ReviewAction.ORG, 0, str(org_id))
        )
    kb.adjust(1)
    return kb.as_markup()


def schedule_skip_kb() -> InlineKeyboardMarkup:
    return _choices(ReviewAction.SKIP, [("", texts.BTN_NO_COMMENT)], 1)


def schedule_save_kb() -> InlineKeyboardMarkup:
    return _choices(ReviewAction.SAVE, [("", texts.BTN_SAVE)], 1)


def announce_kb(session_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    kb.button(text=texts.BTN_ANNOUNCE, callback_data=_rv(ReviewAction.ANNOUNCE, session_id))
    return kb.as_markup()


def sessions_kb(pending: Sequence[int]) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    for session_id in pending:
        kb.button(
            text=texts.BTN_RESULTS.format(id=session_id),
            callback_data=_rv(ReviewAction.RESULTS, session_id),
        )
    kb.adjust(3)
    kb.row(
        InlineKeyboardButton(
            text=texts.BTN_NEW_SESSION, callback_data=_rv(ReviewAction.TOPIC, 0, "").pack()
        )
    )
    return kb.as_markup()


def org_menu_kb() -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    kb.button(text=texts.BTN_ORG_IMPORT, callback_data=OrgCallback(action=OrgAction.IMPORT))
    kb.button(text=texts.BTN_ORG_EXPORT, callback_data=OrgCallback(action=OrgAction.EXPORT))
    kb.adjust(2)
    return kb.as_markup()


def org_found_kb(found: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    for org_id, short in found:
        kb.button(
            text=texts.shorten(short, 60),
            callback_data=OrgCallback(action=OrgAction.OPEN, id=org_id),
        )
    kb.adjust(1)
    return kb.as_markup()


def org_card_kb(org_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    for field, title in texts.ORG_FIELDS.items():
        kb.button(
            text=f"✏️ {title}",
            callback_data=OrgCallback(action=OrgAction.FIELD, id=org_id, field=field),
        )
    kb.adjust(2)
    return kb.as_markup()


# -- statistics -------------------------------------------------------------------------------


def _day_int(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _here(period: Period) -> dict[str, Any]:
    return {"k": period.kind.value, "s": _day_int(period.start), "e": _day_int(period.end)}


def stats_kb(
    period: Period, section: str, *, can_go_later: bool, admin: bool, digest_on: bool
) -> InlineKeyboardMarkup:
    here = _here(period)
    kb = InlineKeyboard()
    rows: list[int] = []
    for kind, title in texts.STATS_PERIOD_TITLES.items():
        marked = f"• {title}" if kind == period.kind.value else title
        # s=e=0 asks for the current period of that kind.
        kb.button(text=marked, callback_data=StatsCallback(a=StatsAction.VIEW, k=kind, v=section))
    rows.append(len(texts.STATS_PERIOD_TITLES))
    steps = [(texts.BTN_STATS_EARLIER, -1)] + ([(texts.BTN_STATS_LATER, 1)] if can_go_later else [])
    for caption, step in steps:
        kb.button(
            text=caption,
            callback_data=StatsCallback(
                a=StatsAction.VIEW, v=section, **_here(period.shifted(step))
            ),
        )
    kb.button(
        text=texts.BTN_STATS_CUSTOM, callback_data=StatsCallback(a=StatsAction.CUSTOM, v=section)
    )
    rows.append(3 if can_go_later else 2)
    for code, title in texts.BTN_STATS_SECTIONS.items():
        marked = f"• {title}" if code == section else title
        kb.button(text=marked, callback_data=StatsCallback(a=StatsAction.VIEW, v=code, **here))
    rows += [2, 2]
    kb.button(
        text=texts.BTN_STATS_CHART,
        callback_data=StatsCallback(a=StatsAction.CHARTS, v=section, **here),
    )
    if admin:
        kb.button(
            text=texts.BTN_STATS_EXPORT,
            callback_data=StatsCallback(a=StatsAction.EXPORT, v=section, **here),
        )
        rows.append(2)
        kb.button(
            text=texts.BTN_DIGEST_ON if digest_on else texts.BTN_DIGEST_OFF,
            callback_data=StatsCallback(
                a=StatsAction.DIGEST, v="off" if digest_on else "on", **here
            ),
        )
    rows.append(1)
    kb.adjust(*rows)
    return kb.as_markup()


def stats_charts_kb(
    period: Period, section: str, topics: list[tuple[str, str]]
) -> InlineKeyboardMarkup:
    here = _here(period)
    kb = InlineKeyboard()
    kb.button(text=texts.BTN_CHART_ALL, callback_data=StatsCallback(a=StatsAction.CHART, **here))
    for code, title in topics:
        kb.button(
            text=texts.shorten(title, 40),
            callback_data=StatsCallback(a=StatsAction.CHART, t=code, **here),
        )
    kb.button(
        text=texts.BTN_BACK, callback_data=StatsCallback(a=StatsAction.VIEW, v=section, **here)
    )
    kb.adjust(1, *([2] * ((len(topics) + 1) // 2)), 1)
    return kb.as_markup()


def chart_methods_kb(period: Period, scope: str, method: str) -> InlineKeyboardMarkup:
    here = _here(period)
    kb = InlineKeyboard()
    for code, title in texts.BTN_CHART_METHODS.items():
        if code != method:
            kb.button(
                text=title,
                callback_data=StatsCallback(a=StatsAction.CHART, t=scope, m=code, **here),
            )
    kb.adjust(2)
    return kb.as_markup()


def digest_kb() -> InlineKeyboardMarkup:
    kb = InlineKeyboard()
    kb.button(
        text=texts.BTN_DIGEST_STOP, callback_data=StatsCallback(a=StatsAction.DIGEST, v="off")
    )
    return kb.as_markup()
