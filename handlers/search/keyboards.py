"""The search feature's inline keyboards, each built fresh with ``bot.ui.Buttons``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup

from bot import ui
from bot.deeplinks import Route
from bot.deeplinks import link as deeplink
from catalog.model import KIND_TITLES, Kind
from handlers.search import texts
from handlers.search.callbacks import (
    BrowseAction,
    BrowseCallback,
    MaterialAction,
    MaterialCallback,
    SearchAction,
    SearchCallback,
    Source,
)
from handlers.search.service import Item


def _pager(kb: ui.Buttons, page: int, pages: int, to_page: Callable[[int], CallbackData]) -> int:
    """«◀️ стр. 1» and «стр. 3 ▶️» around the page shown (named in the text); how many."""
    added = 0
    if page > 0:
        kb.button(text=texts.BTN_PREV.format(page=page), callback_data=to_page(page - 1))
        added += 1
    if page < pages - 1:
        kb.button(text=texts.BTN_NEXT.format(page=page + 2), callback_data=to_page(page + 1))
        added += 1
    return added


def results_kb(
    qid: int, sig: str, page: int, pages: int, items: Sequence[Item], first_number: int
) -> InlineKeyboardMarkup:
    """One button a material, named by it, and the pager."""
    kb = ui.Buttons()
    for n, item in enumerate(items, first_number):
        kb.button(
            text=texts.numbered_button(n, item.title),
            callback_data=MaterialCallback(
                action=MaterialAction.OPEN,
                id=item.id,
                src=Source.SEARCH,
                qid=qid,
                page=page,
                sig=sig,
            ),
        )
    nav = _pager(
        kb,
        page,
        pages,
        lambda p: SearchCallback(action=SearchAction.PAGE, qid=qid, page=p, sig=sig),
    )
    kb.adjust(*([1] * len(items)), *([nav] if nav else []))
    return kb.as_markup()


def nothing_found_kb(
    qid: int, sig: str, corrected: tuple[int, str, str] | None, browse: bool
) -> InlineKeyboardMarkup:
    """``corrected``: the suggested query's id, its signature and its text."""
    kb = ui.Buttons()
    if corrected is not None:
        corrected_qid, corrected_sig, text = corrected
        kb.button(
            text=texts.BTN_TRY.format(query=ui.shorten(text, texts.BUTTON_QUERY)),
            callback_data=SearchCallback(
                action=SearchAction.PAGE, qid=corrected_qid, sig=corrected_sig
            ),
        )
    if browse:
        kb.button(text=texts.BTN_TOPICS, callback_data=BrowseCallback(action=BrowseAction.TOPICS))
    kb.button(
        text=texts.BTN_WISH,
        callback_data=SearchCallback(action=SearchAction.WISH, qid=qid, sig=sig),
    )
    kb.adjust(1)
    return kb.as_markup()


def _manage_buttons(kb: ui.Buttons, material_id: int, active: bool) -> None:
    """A methodologist's buttons on the card: the materials and stats features handle them."""
    edit = ui.EditAction.ARCHIVE if active else ui.EditAction.RESTORE
    kb.button(
        text=ui.BTN_EDIT, callback_data=ui.EditCallback(action=ui.EditAction.MENU, id=material_id)
    )
    kb.button(
        text=ui.BTN_ARCHIVE if active else ui.BTN_RESTORE,
        callback_data=ui.EditCallback(action=edit, id=material_id),
    )
    # s=e=0: the current month, worked out when the button is pressed.
    kb.button(
        text=ui.BTN_MATERIAL_CHART,
        callback_data=ui.StatsCallback(a=ui.StatsAction.CHART, t=f"#{material_id}"),
    )


def card_kb(
    material_id: int,
    back: CallbackData | None,
    share_url: str | None,
    src: Source,
    can_get: bool,
    manage: bool = False,
) -> InlineKeyboardMarkup:
    kb = ui.Buttons()
    if can_get:
        kb.button(
            text=texts.BTN_GET,
            callback_data=MaterialCallback(action=MaterialAction.GET, id=material_id, src=src),
        )
    if share_url:
        kb.button(text=texts.BTN_SHARE, url=share_url)
    if manage:
        _manage_buttons(kb, material_id, can_get)
    if back is not None:
        kb.button(text=ui.BTN_BACK, callback_data=back)
    kb.adjust(2)
    return kb.as_markup()


def link_kb(url: str) -> InlineKeyboardMarkup:
    kb = ui.Buttons()
    kb.button(text=texts.BTN_OPEN_LINK, url=url)
    return kb.as_markup()


def material_link_kb(material_id: int, bot_username: str) -> InlineKeyboardMarkup:
    kb = ui.Buttons()
    kb.button(text=texts.BTN_OPEN_IN_BOT, url=deeplink(bot_username, Route.MATERIAL, material_id))
    return kb.as_markup()


def get_in_bot_kb(material_id: int, bot_username: str) -> InlineKeyboardMarkup:
    """For someone who never started the bot: the material's card in a private chat."""
    kb = ui.Buttons()
    kb.button(text=texts.BTN_GET_IN_BOT, url=deeplink(bot_username, Route.MATERIAL, material_id))
    return kb.as_markup()


def topics_kb(topics: Sequence[tuple[str, str, int]]) -> InlineKeyboardMarkup:
    kb = ui.Buttons()
    for code, title, count in topics:
        kb.button(
            text=f"{ui.shorten(title, texts.BUTTON_TITLE)} ({count})",
            callback_data=BrowseCallback(action=BrowseAction.KINDS, topic=code),
        )
    kb.adjust(2)
    return kb.as_markup()


def kinds_kb(topic: str, kinds: dict[Kind, int]) -> InlineKeyboardMarkup:
    kb = ui.Buttons()
    kb.button(
        text=f"{texts.CATALOG_ALL_KINDS} ({sum(kinds.values())})",
        callback_data=BrowseCallback(action=BrowseAction.LIST, topic=topic),
    )
    for kind, count in kinds.items():
        kb.button(
            text=f"{KIND_TITLES[kind]} ({count})",
            callback_data=BrowseCallback(action=BrowseAction.LIST, topic=topic, kind=kind.value),
        )
    kb.button(text=ui.BTN_BACK, callback_data=BrowseCallback(action=BrowseAction.TOPICS))
    pairs, odd = divmod(len(kinds), 2)
    kb.adjust(1, *([2] * pairs), *([1] * odd), 1)
    return kb.as_markup()


def browse_list_kb(
    topic: str, kind: str, page: int, pages: int, items: Sequence[Item], first_number: int
) -> InlineKeyboardMarkup:
    kb = ui.Buttons()
    for n, item in enumerate(items, first_number):
        kb.button(
            text=texts.numbered_button(n, item.title),
            callback_data=MaterialCallback(
                action=MaterialAction.OPEN,
                id=item.id,
                src=Source.BROWSE,
                page=page,
                topic=topic,
                kind=kind,
            ),
        )
    nav = _pager(
        kb,
        page,
        pages,
        lambda p: BrowseCallback(action=BrowseAction.LIST, topic=topic, kind=kind, page=p),
    )
    kb.button(
        text=ui.BTN_BACK, callback_data=BrowseCallback(action=BrowseAction.KINDS, topic=topic)
    )
    kb.adjust(*([1] * len(items)), *([nav] if nav else []), 1)
    return kb.as_markup()
