"""Finding and receiving materials: search, cards, «Получить», browsing, /find, deep links."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from datetime import datetime, timedelta

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.filters.base import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InaccessibleMessage, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot import texts
from bot.callbacks import (
    BrowseAction,
    BrowseCallback,
    MaterialAction,
    MaterialCallback,
    SearchAction,
    SearchCallback,
    Source,
)
from bot.deeplinks import DeepLink, Route
from bot.deeplinks import link as deeplink
from bot.delivery import Delivery, RenderContext, Rendered
from bot.filters import PRIVATE, Label, NoForm
from bot.keyboards import (
    browse_list_kb,
    card_kb,
    kinds_kb,
    link_kb,
    material_link_kb,
    nothing_found_kb,
    results_kb,
    topics_kb,
)
from bot.middlewares import THROTTLE_FLAG
from bot.settings import Settings
from catalog.model import KIND_TITLES, Kind
from handlers.common import edit
from storage.announcements import Announcement
from storage.catalog import CatalogRepo, Material, SearchResult
from storage.db import iso
from storage.users import Role, UserRecord

log = logging.getLogger(__name__)

PAGE_SIZE = 5
SHOWN_QUERY = 100


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def query_sig(settings: Settings, qid: int, owner: int) -> str:
    """Who a saved search belongs to, in its buttons: a keyed hash of the query id and the
    person, so a page, «попросить материал» or a number acts only for whoever searched (the
    text may carry a name or a phone) without a row per person and query."""
    key = hashlib.sha256(b"saved-search:" + settings.bot_token.get_secret_value().encode())
    mac = hmac.new(key.digest(), f"{qid}:{owner}".encode(), "sha256").digest()[:6]
    return base64.urlsafe_b64encode(mac).decode()


async def _page_view(
    materials: CatalogRepo,
    settings: Settings,
    query: str,
    qid: int,
    page: int,
    owner: int,
    result: SearchResult | None = None,
) -> tuple[str, InlineKeyboardMarkup, int]:
    """The text and keyboard of one page of results, and how many there are in all."""
    if result is None:
        result = await materials.search(query)
    sig = query_sig(settings, qid, owner)
    if not result.ids:
        suggestion = await materials.suggestion(result.plan)
        corrected = None
        if suggestion:
            corrected_qid = await materials.save_query(suggestion)
            corrected = (corrected_qid, query_sig(settings, corrected_qid, owner), suggestion)
        lines = [texts.NOTHING_FOUND.format(query=texts.escape(texts.shorten(query, SHOWN_QUERY)))]
        if suggestion:
            lines.append(texts.DID_YOU_MEAN.format(query=texts.escape(suggestion)))
        lines.append(texts.NOTHING_FOUND_HELP)
        kb = nothing_found_kb(qid, sig, corrected)
        return "\n\n".join(lines), kb, 0
    pages = _pages(result.total)
    page = min(max(page, 0), pages - 1)
    ids = result.ids[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    shown = await materials.get_many(ids)
    titles = await materials.topic_titles()
    items = [
        (m.title, texts.material_meta(KIND_TITLES[m.kind], [titles.get(t, t) for t in m.topics]))
        for m in shown
    ]
    shown_for = None
    if result.plan.layout_switched or result.plan.corrected:
        shown_for = result.plan.corrected or result.plan.normalised
    text = texts.results_list(
        texts.shorten(query, SHOWN_QUERY), result.total, page * PAGE_SIZE + 1, items, shown_for
    )
    kb = results_kb(qid, sig, page, pages, [m.id for m in shown], page * PAGE_SIZE + 1)
    return text, kb, result.total


async def search_and_answer(
    message: Message,
    materials: CatalogRepo,
    settings: Settings,
    query: str,
    user: UserRecord | None,
) -> None:
    query_plan = await materials.plan(query)
    if query_plan.empty:
        await message.answer(texts.SEARCH_EMPTY_QUERY)
        return
    channel = "private" if message.chat.type == "private" else "group"
    found = await materials.search(query)
    # The button id and the statistics row in one write.
    qid = await materials.save_search(
        query, user.id if user else None, channel, query_plan.normalised, found.total
    )
    owner = user.id if user else 0
    text, kb, _ = await _page_view(materials, settings, query, qid, 0, owner, found)
    await message.answer(text, reply_markup=kb)


async def text_search(
    message: Message, materials: CatalogRepo, settings: Settings, user: UserRecord
) -> None:
    await search_and_answer(message, materials, settings, message.text or "", user)


async def cmd_find(
    message: Message,
    command: CommandObject,
    materials: CatalogRepo,
    settings: Settings,
    user: UserRecord,
) -> None:
    if not command.args or not command.args.strip():
        await message.answer(texts.FIND_USAGE)
        return
    await search_and_answer(message, materials, settings, command.args, user)


async def search_hint(message: Message) -> None:
    await message.answer(texts.SEARCH_HINT)


async def _own_query(
    materials: CatalogRepo,
    settings: Settings,
    qid: int,
    sig: str,
    user: UserRecord,
    answer: CallbackAnswer,
) -> str | None:
    """The text of a saved search if it is this person's; else a short note, and None."""
    if not hmac.compare_digest(sig, query_sig(settings, qid, user.id)):
        answer.text, answer.show_alert = texts.SEARCH_NOT_YOURS, True
        return None
    query = await materials.saved_query(qid)
    if query is None:
        answer.text, answer.show_alert = texts.STALE_BUTTON, True
    return query


async def on_search_page(
    callback: CallbackQuery,
    callback_data: SearchCallback,
    materials: CatalogRepo,
    settings: Settings,
    user: UserRecord,
    callback_answer: CallbackAnswer,
) -> None:
    query = await _own_query(
        materials, settings, callback_data.qid, callback_data.sig, user, callback_answer
    )
    if query is None:
        return
    text, kb, _ = await _page_view(
        materials, settings, query, callback_data.qid, callback_data.page, user.id
    )
    await edit(callback, callback_answer, text, kb)


async def on_wish(
    callback: CallbackQuery,
    callback_data: SearchCallback,
    materials: CatalogRepo,
    settings: Settings,
    delivery: Delivery,
    user: UserRecord,
    callback_answer: CallbackAnswer,
) -> None:
    query = await _own_query(
        materials, settings, callback_data.qid, callback_data.sig, user, callback_answer
    )
    if query is None:
        return
    await materials.add_wish(user.id, query)
    note = texts.WISH_TO_METHODISTS.format(
        query=texts.escape(texts.shorten(query, SHOWN_QUERY)), person=texts.person(user, user.id)
    )
    # Through the outbox like everything addressed to several people: a slow Telegram or a
    # blocked methodologist must not hold up the answer to this button.
    await delivery.notify(Role.METHODOLOGIST, note, about=f"wish:{user.id}", person=user.id)
    callback_answer.text = texts.html_to_plain(
        texts.WISH_THANKS.format(query=texts.escape(texts.shorten(query, 60)))
    )
    callback_answer.show_alert = True


async def render_card(
    material: Material,
    materials: CatalogRepo,
    bot: Bot,
    role: Role,
    src: Source,
    back: CallbackData | None,
) -> tuple[str, InlineKeyboardMarkup]:
    titles = await materials.topic_titles()
    downloads_30 = None
    if role.at_least(Role.ADMIN):
        since = iso(materials.db.now() - timedelta(days=30))
        downloads_30 = await materials.downloads_since(material.id, since)
    text = texts.material_card(
        title=material.title,
        kind_title=KIND_TITLES[material.kind],
        topic_titles=[titles.get(t, t) for t in material.topics],
        published=_date(material.published_at),
        version=material.version,
        description=material.description,
        downloads=material.downloads,
        downloads_30=downloads_30,
        archived=not material.active,
    )
    me = await bot.me()
    share = None
    if me.username:
        link = deeplink(me.username, Route.MATERIAL, material.id)
        share = f"https://t.me/share/url?url={link}"
    manage = role.at_least(Role.METHODOLOGIST)
    return text, card_kb(material.id, back, share, src, can_get=material.active, manage=manage)


def visible(material: Material, role: Role) -> bool:
    """An archived material, or one held for possible personal data (which is archived while
    held), is for methodologists and admins only: its title may carry a name or a phone."""
    return material.active or role.at_least(Role.METHODOLOGIST)


def _date(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%d.%m.%Y")
    except ValueError:
        return iso


def _back(data: MaterialCallback) -> CallbackData | None:
    if data.src is Source.SEARCH and data.qid:
        return SearchCallback(action=SearchAction.PAGE, qid=data.qid, page=data.page, sig=data.sig)
    if data.src is Source.BROWSE and data.topic:
        return BrowseCallback(
            action=BrowseAction.LIST, topic=data.topic, kind=data.kind, page=data.page
        )
    return None


async def on_open(
    callback: CallbackQuery,
    callback_data: MaterialCallback,
    bot: Bot,
    materials: CatalogRepo,
    settings: Settings,
    user: UserRecord,
    role: Role,
    callback_answer: CallbackAnswer,
) -> None:
    # A number under someone else's results would replace their list with this card.
    from_results = callback_data.src is Source.SEARCH and bool(callback_data.qid)
    if from_results and not await _own_query(
        materials, settings, callback_data.qid, callback_data.sig, user, callback_answer
    ):
        return
    material = await materials.get(callback_data.id)
    if material is None or not visible(material, role):
        callback_answer.text, callback_answer.show_alert = texts.MATERIAL_GONE, True
        return
    text, kb = await render_card(
        material, materials, bot, role, callback_data.src, _back(callback_data)
    )
    await edit(callback, callback_answer, text, kb)


async def on_get(
    callback: CallbackQuery,
    callback_data: MaterialCallback,
    bot: Bot,
    materials: CatalogRepo,
    user: UserRecord,
    callback_answer: CallbackAnswer,
) -> None:
    material = await materials.get(callback_data.id)
    if material is None or not material.active:
        hidden = material is None or not visible(material, user.role)
        callback_answer.text = texts.MATERIAL_GONE if hidden else texts.MATERIAL_ARCHIVED
        callback_answer.show_alert = True
        return
    if callback.message is None or isinstance(callback.message, InaccessibleMessage):
        chat_id, thread_id, chat_type = user.id, None, "private"
    else:
        chat = callback.message.chat
        chat_id, chat_type = chat.id, chat.type
        thread_id = (
            callback.message.message_thread_id if callback.message.is_topic_message else None
        )
    if material.file_id:
        await send_material_file(bot, material, chat_id, thread_id)
        channel = _channel(callback_data.src, chat_type)
    else:
        channel = "link"
    # For a cloud link the press is the delivery: it is counted before the link is shown.
    await materials.record_download(material.id, user.id, chat_id, channel)
    if not material.file_id and material.url:
        await bot.send_message(
            chat_id,
            texts.LINK_MESSAGE.format(
                title=texts.escape(material.title), url=texts.escape(material.url)
            ),
            message_thread_id=thread_id,
            reply_markup=link_kb(material.url),
        )


def _channel(src: Source, chat_type: str) -> str:
    if chat_type != "private":
        return "group"
    return "deeplink" if src is Source.DEEPLINK else "private"


async def send_material_file(
    bot: Bot, material: Material, chat_id: int, thread_id: int | None
) -> None:
    caption = texts.escape(texts.shorten(material.title, texts.CAPTION_LIMIT))
    assert material.file_id is not None
    if material.file_type == "video":
        await bot.send_video(
            chat_id, material.file_id, caption=caption, message_thread_id=thread_id
        )
    elif material.file_type == "photo":
        await bot.send_photo(
            chat_id, material.file_id, caption=caption, message_thread_id=thread_id
        )
    else:
        await bot.send_document(
            chat_id, material.file_id, caption=caption, message_thread_id=thread_id
        )


async def open_deeplink(
    message: Message, deeplink_arg: str, bot: Bot, materials: CatalogRepo, role: Role
) -> None:
    material = await materials.get(int(deeplink_arg)) if deeplink_arg.isdigit() else None
    if material is not None and not material.active:
        newer = await materials.successor(material.id)
        found = await materials.get(newer) if newer is not None else None
        if found is not None and visible(found, role):
            await message.answer(texts.MATERIAL_SUPERSEDED)
            material = found
    if material is None or not visible(material, role):
        await message.answer(texts.MATERIAL_GONE)
        return
    text, kb = await render_card(material, materials, bot, role, Source.DEEPLINK, None)
    await message.answer(text, reply_markup=kb)


# -- browsing --------------------------------------------------------------------------------


async def _topics_view(materials: CatalogRepo) -> tuple[str, InlineKeyboardMarkup | None]:
    counts = await materials.topic_counts()
    topics = [
        (t.code, t.title, counts[t.code]) for t in await materials.topics() if counts.get(t.code)
    ]
    if not topics:
        return texts.CATALOG_EMPTY, None
    return texts.CATALOG_TOPICS, topics_kb(topics)


async def cmd_catalog(message: Message, materials: CatalogRepo) -> None:
    text, kb = await _topics_view(materials)
    await message.answer(text, reply_markup=kb)


async def on_browse(
    callback: CallbackQuery,
    callback_data: BrowseCallback,
    materials: CatalogRepo,
    callback_answer: CallbackAnswer,
) -> None:
    titles = await materials.topic_titles()
    if callback_data.action is BrowseAction.TOPICS:
        text, topics_markup = await _topics_view(materials)
        if topics_markup is not None:
            await edit(callback, callback_answer, text, topics_markup)
        return
    topic = callback_data.topic
    if topic not in titles:
        callback_answer.text, callback_answer.show_alert = texts.STALE_BUTTON, True
        return
    if callback_data.action is BrowseAction.KINDS:
        counts = await materials.kinds_in_topic(topic)
        kinds = [(k.value, KIND_TITLES[k], n) for k, n in counts.items()]
        text = texts.CATALOG_KINDS.format(topic=texts.escape(titles[topic]))
        await edit(callback, callback_answer, text, kinds_kb(topic, kinds, sum(counts.values())))
        return
    kind = Kind(callback_data.kind) if callback_data.kind in set(Kind) else None
    ids = await materials.browse(topic, kind)
    pages = _pages(len(ids))
    page = min(max(callback_data.page, 0), pages - 1)
    chunk = await materials.get_many(ids[page * PAGE_SIZE : (page + 1) * PAGE_SIZE])
    header = texts.CATALOG_LIST.format(
        topic=texts.escape(titles[topic]),
        kind=KIND_TITLES[kind] if kind else texts.CATALOG_ALL_KINDS.lower(),
    )
    lines = [header, ""] if chunk else [header, "", texts.CATALOG_LIST_EMPTY]
    first = page * PAGE_SIZE + 1
    lines += [f"{n}. <b>{texts.escape(m.title)}</b>" for n, m in enumerate(chunk, first)]
    kb = browse_list_kb(
        topic, kind.value if kind else "", page, pages, [m.id for m in chunk], first
    )
    await edit(callback, callback_answer, "\n".join(lines), kb)


# Searching is what people do all day; the throttle is generous with it (bot.middlewares).
SEARCH = {THROTTLE_FLAG: "search"}


class SearchText(Filter):
    """Plain text in a private chat outside any form: a search. Not a command, not a menu
    button. One filter instead of four, checked first: most updates are searches."""

    async def __call__(self, message: Message, raw_state: str | None = None) -> bool:
        text = message.text
        if raw_state is not None or message.chat.type != "private" or not text:
            return False
        return not text.startswith("/") and text not in texts.MENU_BUTTONS


async def render_material_link(announcement: Announcement, ctx: RenderContext) -> Rendered:
    """An announcement with a button that opens its material in the bot."""
    content = announcement.content
    markup = None
    if ctx.bot_username and content.ref.isdigit():
        markup = material_link_kb(int(content.ref), ctx.bot_username)
    return Rendered(content.text, markup, photo=content.photo, document=content.document)


def create_router() -> Router:
    router = Router(name=__name__)
    private = PRIVATE
    # Inside a form, text belongs to the form (whose routers come earlier).
    router.message.register(text_search, SearchText(), NoForm(), flags=SEARCH)
    router.message.register(
        open_deeplink, CommandStart(deep_link=True), DeepLink(Route.MATERIAL), private
    )
    router.message.register(cmd_find, Command("find"), flags=SEARCH)
    router.message.register(cmd_catalog, Command("catalog"), private)
    router.message.register(cmd_catalog, Label(texts.BTN_CATALOG), private)
    router.message.register(search_hint, Label(texts.BTN_SEARCH_HINT), private)
    # Most pressed first; their filters exclude one another, so the order is free.
    router.callback_query.register(
        on_open, MaterialCallback.filter(F.action == MaterialAction.OPEN)
    )
    router.callback_query.register(on_get, MaterialCallback.filter(F.action == MaterialAction.GET))
    router.callback_query.register(
        on_search_page, SearchCallback.filter(F.action == SearchAction.PAGE), flags=SEARCH
    )
    router.callback_query.register(on_browse, BrowseCallback.filter())
    router.callback_query.register(on_wish, SearchCallback.filter(F.action == SearchAction.WISH))
    return router
