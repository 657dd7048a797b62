"""Every keyboard builder."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder, ReplyKeyboardBuilder

from bot import texts
from bot.callbacks import (
    BrowseAction,
    BrowseCallback,
    MaterialAction,
    MaterialCallback,
    RoleAction,
    RoleCallback,
    SearchAction,
    SearchCallback,
    Source,
)
from storage.users import Role


def main_menu_kb(role: Role) -> ReplyKeyboardMarkup:
    """The reply keyboard under the input field; it grows with the user's role."""
    kb = ReplyKeyboardBuilder()
    kb.button(text=texts.BTN_SEARCH_HINT)
    kb.button(text=texts.BTN_CATALOG)
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


def results_kb(
    qid: int, page: int, pages: int, ids: list[int], first_number: int
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for n, material_id in enumerate(ids, first_number):
        kb.button(
            text=str(n),
            callback_data=MaterialCallback(
                action=MaterialAction.OPEN, id=material_id, src=Source.SEARCH, qid=qid, page=page
            ),
        )
    sizes = [len(ids)] if ids else []
    if pages > 1:
        nav = 0
        if page > 0:
            kb.button(
                text="◀️",
                callback_data=SearchCallback(action=SearchAction.PAGE, qid=qid, page=page - 1),
            )
            nav += 1
        kb.button(
            text=f"{page + 1}/{pages}",
            callback_data=SearchCallback(action=SearchAction.PAGE, qid=qid, page=page),
        )
        nav += 1
        if page < pages - 1:
            kb.button(
                text="▶️",
                callback_data=SearchCallback(action=SearchAction.PAGE, qid=qid, page=page + 1),
            )
            nav += 1
        sizes.append(nav)
    kb.adjust(*sizes)
    return kb.as_markup()


def nothing_found_kb(
    qid: int, corrected_qid: int | None, corrected: str | None
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if corrected_qid is not None and corrected:
        kb.button(
            text=texts.BTN_TRY.format(query=corrected[:40]),
            callback_data=SearchCallback(action=SearchAction.PAGE, qid=corrected_qid),
        )
    kb.button(text=texts.BTN_TOPICS, callback_data=BrowseCallback(action=BrowseAction.TOPICS))
    kb.button(text=texts.BTN_WISH, callback_data=SearchCallback(action=SearchAction.WISH, qid=qid))
    kb.adjust(1)
    return kb.as_markup()


def card_kb(
    material_id: int, back: CallbackData | None, share_url: str | None, src: Source, can_get: bool
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if can_get:
        kb.button(
            text=texts.BTN_GET,
            callback_data=MaterialCallback(action=MaterialAction.GET, id=material_id, src=src),
        )
    if share_url:
        kb.button(text=texts.BTN_SHARE, url=share_url)
    if back is not None:
        kb.button(text=texts.BTN_BACK, callback_data=back)
    kb.adjust(2, 1)
    return kb.as_markup()


def link_kb(url: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=texts.BTN_OPEN_LINK, url=url)
    return kb.as_markup()


def topics_kb(topics: list[tuple[str, str, int]]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for code, title, count in topics:
        kb.button(
            text=f"{title} ({count})",
            callback_data=BrowseCallback(action=BrowseAction.KINDS, topic=code),
        )
    kb.adjust(2)
    return kb.as_markup()


def kinds_kb(topic: str, kinds: list[tuple[str, str, int]], total: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
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
    kb = InlineKeyboardBuilder()
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
    sizes = [len(ids)] if ids else []
    nav = 0
    if page > 0:
        kb.button(
            text="◀️",
            callback_data=BrowseCallback(
                action=BrowseAction.LIST, topic=topic, kind=kind, page=page - 1
            ),
        )
        nav += 1
    if page < pages - 1:
        kb.button(
            text="▶️",
            callback_data=BrowseCallback(
                action=BrowseAction.LIST, topic=topic, kind=kind, page=page + 1
            ),
        )
        nav += 1
    kb.button(
        text=texts.BTN_BACK, callback_data=BrowseCallback(action=BrowseAction.KINDS, topic=topic)
    )
    sizes.append(nav + 1)
    kb.adjust(*sizes)
    return kb.as_markup()
