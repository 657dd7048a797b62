"""Search where people are: plain text in a private chat, /find in groups, the result pages, the
material's card and «Получить», the catalog by direction and kind, and the deep links to a
material (``m_<id>``) or to a search (``q_<query>``, from an inline query that found nothing).

In a group the results belong to whoever searched (their buttons carry a keyed hash of the
query and the person), and «Получить» sends the material to the person who pressed it, in
private, instead of posting it into the chat.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.filters.base import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot import ui
from bot.deeplinks import DeepLink, Route
from bot.deeplinks import link as deeplink
from bot.delivery import Delivery, RenderContext, Rendered
from bot.filters import PRIVATE, Carries, Label, NoForm
from bot.middlewares import THROTTLE_FLAG
from bot.settings import Settings
from catalog.smalltalk import SmallTalk, small_talk
from handlers.search import service, texts
from handlers.search.callbacks import (
    BrowseAction,
    BrowseCallback,
    MaterialAction,
    MaterialCallback,
    SearchAction,
    SearchCallback,
    Source,
)
from handlers.search.keyboards import (
    browse_list_kb,
    card_kb,
    get_in_bot_kb,
    kinds_kb,
    link_kb,
    material_link_kb,
    nothing_found_kb,
    results_kb,
    topics_kb,
)
from handlers.search.service import Card, NothingFound, Refusal, Results
from storage.announcements import Announcement
from storage.catalog import CatalogRepo, Material
from storage.users import Role, UserRecord

# Searching is what people do all day; the throttle is generous with it (bot.middlewares).
SEARCH = {THROTTLE_FLAG: "search"}


class SearchText(Filter):
    """Plain text typed in a private chat: not a command, not a menu label, not forwarded.
    Checked first of all filters (most updates are searches); the router adds that no form
    may be open."""

    async def __call__(self, message: Message) -> bool:
        text = message.text
        if not text or message.chat.type != "private" or message.forward_origin is not None:
            return False
        return not text.startswith("/") and text not in ui.MENU_BUTTONS


class ForwardedText(Filter):
    """Someone else's words forwarded into the private chat."""

    async def __call__(self, message: Message) -> bool:
        return (
            message.forward_origin is not None
            and message.chat.type == "private"
            and bool(message.text)
        )


def _secret(settings: Settings) -> str:
    return settings.bot_token.get_secret_value()


def _in_group(callback: CallbackQuery) -> bool:
    message = ui.message_of(callback)
    return message is not None and message.chat.type != "private"


async def _edit(
    callback: CallbackQuery,
    answer: CallbackAnswer,
    text: str,
    kb: InlineKeyboardMarkup | None = None,
) -> None:
    """Replace the text and keyboard of the message the button is under."""
    message = ui.message_of(callback)
    if message is None:
        answer.text, answer.show_alert = ui.STALE_BUTTON, True
        return
    try:
        await message.edit_text(text, reply_markup=kb)
    except TelegramBadRequest as e:
        # «Message is not modified»: the person pressed what is already shown. Anything else
        # is a real error and goes to the errors handler.
        if "not modified" not in e.message:
            raise


def _refuse(answer: CallbackAnswer, refusal: Refusal) -> None:
    notes = {
        Refusal.NOT_YOURS: texts.SEARCH_NOT_YOURS,
        Refusal.STALE: ui.STALE_BUTTON,
        Refusal.GONE: texts.MATERIAL_GONE,
        Refusal.ARCHIVED: texts.MATERIAL_ARCHIVED,
    }
    answer.text, answer.show_alert = notes[refusal], True


async def _gone(callback: CallbackQuery, answer: CallbackAnswer, role: Role) -> None:
    """A material that is no more: in a private chat the way on is the main menu."""
    message = ui.message_of(callback)
    if message is None or message.chat.type != "private":
        _refuse(answer, Refusal.GONE)
        return
    await message.answer(texts.MATERIAL_GONE_MENU, reply_markup=ui.main_menu_kb(role))


# -- searching -------------------------------------------------------------------------------


def results_view(
    found: Results | NothingFound, secret: str, owner: int, in_group: bool
) -> tuple[str, InlineKeyboardMarkup]:
    """The text and keyboard of a page of results, or of «nothing found»."""
    sig = service.query_sig(secret, found.qid, owner)
    if isinstance(found, NothingFound):
        corrected = None
        suggested = None
        if found.suggestion is not None:
            corrected_qid, suggested = found.suggestion
            corrected = (corrected_qid, service.query_sig(secret, corrected_qid, owner), suggested)
        text = texts.nothing_found(found.query, suggested, in_group)
        return text, nothing_found_kb(found.qid, sig, corrected, browse=not in_group)
    text = texts.results(
        found.query,
        found.total,
        found.page,
        found.pages,
        found.first_number,
        [(item.title, item.kind, item.topic_titles) for item in found.items],
        found.shown_for,
    )
    kb = results_kb(found.qid, sig, found.page, found.pages, found.items, found.first_number)
    return text, kb


async def answer_query(
    message: Message,
    materials: CatalogRepo,
    settings: Settings,
    query: str,
    user: UserRecord | None,
) -> None:
    in_group = message.chat.type != "private"
    owner = user.id if user else 0
    found = await service.search(
        materials, query, user.id if user else None, "group" if in_group else "private"
    )
    if found is None:
        await message.answer(texts.SEARCH_EMPTY_QUERY)
        return
    text, kb = results_view(found, _secret(settings), owner, in_group)
    await message.answer(text, reply_markup=kb)


async def text_search(
    message: Message, materials: CatalogRepo, settings: Settings, user: UserRecord
) -> None:
    text = message.text or ""
    # «спасибо», «привет», «ок», an emoji: answered kindly, never searched nor logged (so it
    # stays out of the «Не нашли» report and the digest).
    kind = small_talk(text)
    if kind is not None:
        # A greeting may be someone's first message: the menu comes with the answer.
        menu = ui.main_menu_kb(user.role) if kind is SmallTalk.GREETING else None
        await message.answer(
            texts.small_talk(kind, user.first_name or "коллега"), reply_markup=menu
        )
        return
    await answer_query(message, materials, settings, text, user)


async def on_sticker(message: Message) -> None:
    await message.answer(texts.small_talk(SmallTalk.OTHER, ""))


async def on_forwarded(message: Message, role: Role) -> None:
    hint = texts.FORWARDED
    if role.at_least(Role.ADMIN):
        hint += "\n" + texts.FORWARDED_ADMIN
    await message.answer(hint)


async def cmd_find(
    message: Message,
    command: CommandObject,
    materials: CatalogRepo,
    settings: Settings,
    user: UserRecord | None = None,
) -> None:
    if not command.args or not command.args.strip():
        await message.answer(texts.FIND_USAGE)
        return
    await answer_query(message, materials, settings, command.args, user)


async def search_hint(message: Message) -> None:
    await message.answer(texts.SEARCH_HINT)


async def open_search_link(
    message: Message,
    deeplink_arg: str,
    materials: CatalogRepo,
    settings: Settings,
    user: UserRecord,
) -> None:
    """«Открыть бота» under an inline query that found nothing: the same search, here, where
    the person can ask the methodologists for the material."""
    query = service.decode_query(deeplink_arg)
    if query is None:
        await message.answer(texts.SEARCH_HINT)
        return
    await answer_query(message, materials, settings, query, user)


async def on_search_page(
    callback: CallbackQuery,
    callback_data: SearchCallback,
    materials: CatalogRepo,
    settings: Settings,
    user: UserRecord,
    callback_answer: CallbackAnswer,
) -> None:
    query = await service.owned_query(
        materials, _secret(settings), callback_data.qid, callback_data.sig, user.id
    )
    if isinstance(query, Refusal):
        _refuse(callback_answer, query)
        return
    found = await service.results_page(materials, query, callback_data.qid, callback_data.page)
    text, kb = results_view(found, _secret(settings), user.id, _in_group(callback))
    await _edit(callback, callback_answer, text, kb)


async def on_wish(
    callback: CallbackQuery,
    callback_data: SearchCallback,
    materials: CatalogRepo,
    settings: Settings,
    delivery: Delivery,
    user: UserRecord,
    callback_answer: CallbackAnswer,
) -> None:
    query = await service.owned_query(
        materials, _secret(settings), callback_data.qid, callback_data.sig, user.id
    )
    if isinstance(query, Refusal):
        _refuse(callback_answer, query)
        return
    note = texts.WISH_TO_METHODISTS.format(
        query=texts.quoted(query), person=ui.person(user, user.id)
    )
    await service.ask_for_material(materials, delivery, user.id, query, note)
    callback_answer.text = ui.html_to_plain(
        texts.WISH_THANKS.format(query=texts.quoted(query, texts.ALERT_QUERY))
    )
    callback_answer.show_alert = True


# -- the card and «Получить» -----------------------------------------------------------------


async def card_view(
    shown: Card,
    bot: Bot,
    role: Role,
    src: Source = Source.SEARCH,
    back: CallbackData | None = None,
    *,
    in_private: bool = True,
) -> tuple[str, InlineKeyboardMarkup]:
    material = shown.material
    text = texts.material_card(
        title=material.title,
        kind=material.kind,
        topic_titles=shown.topic_titles,
        published=service.published(material.published_at),
        version=material.version,
        description=material.description,
        downloads=material.downloads,
        downloads_30=shown.downloads_30,
        archived=not material.active,
    )
    me = await bot.me()
    share = None
    if me.username:
        share = f"https://t.me/share/url?url={deeplink(me.username, Route.MATERIAL, material.id)}"
    # A group sees no methodologist's buttons: they would be everyone's to press.
    manage = in_private and role.at_least(Role.METHODOLOGIST)
    kb = card_kb(material.id, back, share, src, can_get=material.active, manage=manage)
    return text, kb


async def render_card(
    material: Material, materials: CatalogRepo, bot: Bot, role: Role
) -> tuple[str, InlineKeyboardMarkup]:
    """A material's card as a private chat shows it; the materials feature shows it too."""
    return await card_view(await service.card(materials, material, role), bot, role)


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
    if callback_data.src is Source.SEARCH and callback_data.qid:
        query = await service.owned_query(
            materials, _secret(settings), callback_data.qid, callback_data.sig, user.id
        )
        if isinstance(query, Refusal):
            _refuse(callback_answer, query)
            return
    shown = await service.open_card(materials, callback_data.id, role)
    if isinstance(shown, Refusal):
        await _gone(callback, callback_answer, role)
        return
    text, kb = await card_view(
        shown,
        bot,
        role,
        callback_data.src,
        _back(callback_data),
        in_private=not _in_group(callback),
    )
    await _edit(callback, callback_answer, text, kb)


async def send_material(
    bot: Bot, material: Material, chat_id: int, thread_id: int | None = None
) -> None:
    """The material itself: its file, or its link with a button."""
    if material.file_id:
        caption = texts.caption(material.title, ui.CAPTION_LIMIT)
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
    elif material.url:
        await bot.send_message(
            chat_id,
            texts.link_message(material.title, material.url),
            message_thread_id=thread_id,
            reply_markup=link_kb(material.url),
        )


def _never_started(error: TelegramBadRequest | TelegramForbiddenError) -> bool:
    """The person has no private chat with the bot: never started it, or blocked it."""
    return isinstance(error, TelegramForbiddenError) or "chat not found" in error.message


async def on_get(
    callback: CallbackQuery,
    callback_data: MaterialCallback,
    bot: Bot,
    materials: CatalogRepo,
    user: UserRecord,
    role: Role,
    callback_answer: CallbackAnswer,
) -> None:
    found = await service.deliverable(materials, callback_data.id, role)
    if found is Refusal.ARCHIVED:
        _refuse(callback_answer, found)
        return
    if isinstance(found, Refusal):
        await _gone(callback, callback_answer, role)
        return
    message = ui.message_of(callback)
    if message is not None and message.chat.type != "private":
        await _get_from_group(callback_answer, bot, materials, found, user, message)
        return
    chat_id = message.chat.id if message is not None else user.id
    if found.file_id:
        await send_material(bot, found, chat_id)
        from_link = callback_data.src is Source.DEEPLINK
        await service.count_delivery(
            materials, found, user.id, chat_id, service.channel_of(from_link, in_group=False)
        )
    else:
        # For a cloud link the press is the delivery: it is counted before the link is shown.
        await service.count_delivery(materials, found, user.id, chat_id, "link")
        await send_material(bot, found, chat_id)


async def _get_from_group(
    answer: CallbackAnswer,
    bot: Bot,
    materials: CatalogRepo,
    material: Material,
    user: UserRecord,
    message: Message,
) -> None:
    """«Получить» in a group: the material goes to the person, privately. Someone who never
    started the bot cannot be written to first: they get a button that opens it there."""
    try:
        await send_material(bot, material, user.id)
    except (TelegramForbiddenError, TelegramBadRequest) as e:
        if not _never_started(e):
            raise
        me = await bot.me()
        if not me.username:
            answer.text, answer.show_alert = texts.OPEN_BOT_ALERT, True
            return
        thread = message.message_thread_id if message.is_topic_message else None
        await bot.send_message(
            message.chat.id,
            texts.open_bot(user.first_name or user.display_name),
            message_thread_id=thread,
            reply_markup=get_in_bot_kb(material.id, me.username),
        )
        answer.text = texts.OPEN_BOT_ALERT
        return
    channel = service.channel_of(False, in_group=True) if material.file_id else "link"
    await service.count_delivery(materials, material, user.id, user.id, channel)
    answer.text = texts.SENT_PRIVATELY


async def open_deeplink(
    message: Message, deeplink_arg: str, bot: Bot, materials: CatalogRepo, role: Role
) -> None:
    shown = await service.open_link(materials, deeplink_arg, role)
    if isinstance(shown, Refusal):
        await message.answer(texts.MATERIAL_GONE_MENU, reply_markup=ui.main_menu_kb(role))
        return
    if shown.superseded:
        await message.answer(texts.MATERIAL_SUPERSEDED)
    text, kb = await card_view(shown, bot, role, Source.DEEPLINK)
    await message.answer(text, reply_markup=kb)


# -- browsing --------------------------------------------------------------------------------


async def _topics_view(materials: CatalogRepo) -> tuple[str, InlineKeyboardMarkup | None]:
    topics = await service.directions(materials)
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
    if callback_data.action is BrowseAction.TOPICS:
        text, topics_markup = await _topics_view(materials)
        await _edit(callback, callback_answer, text, topics_markup)
        return
    if callback_data.action is BrowseAction.KINDS:
        kinds = await service.kinds(materials, callback_data.topic)
        if isinstance(kinds, Refusal):
            _refuse(callback_answer, kinds)
            return
        title, counts = kinds
        text = texts.CATALOG_KINDS.format(topic=ui.escape(ui.shorten(title, texts.LIST_TITLE)))
        await _edit(callback, callback_answer, text, kinds_kb(callback_data.topic, counts))
        return
    shown = await service.listing(
        materials, callback_data.topic, callback_data.kind, callback_data.page
    )
    if isinstance(shown, Refusal):
        _refuse(callback_answer, shown)
        return
    text = texts.browse_list(
        shown.topic_title,
        shown.kind,
        shown.total,
        shown.page,
        shown.pages,
        shown.first_number,
        [item.title for item in shown.items],
    )
    kb = browse_list_kb(
        shown.topic,
        shown.kind.value if shown.kind else "",
        shown.page,
        shown.pages,
        shown.items,
        shown.first_number,
    )
    await _edit(callback, callback_answer, text, kb)


# -- the outbox ------------------------------------------------------------------------------


async def render_material_link(announcement: Announcement, ctx: RenderContext) -> Rendered:
    """An announcement with a button that opens its material in the bot."""
    content = announcement.content
    markup = None
    if ctx.bot_username and content.ref.isdigit():
        markup = material_link_kb(int(content.ref), ctx.bot_username)
    return Rendered(content.text, markup, photo=content.photo, document=content.document)


def create_router() -> Router:
    """Offered updates first of all routers: its text filters refuse a command, a menu label, an
    FSM state and an open form, so nothing a later router wants is taken."""
    router = Router(name=__name__)
    idle = (StateFilter(None), NoForm())
    router.message.register(text_search, SearchText(), *idle, flags=SEARCH)
    router.message.register(on_forwarded, ForwardedText(), *idle, flags=SEARCH)
    router.message.register(on_sticker, PRIVATE, Carries("sticker"), *idle)
    router.message.register(
        open_deeplink, CommandStart(deep_link=True), DeepLink(Route.MATERIAL), PRIVATE
    )
    router.message.register(
        open_search_link,
        CommandStart(deep_link=True),
        DeepLink(Route.SEARCH),
        PRIVATE,
        flags=SEARCH,
    )
    router.message.register(cmd_find, Command("find"), flags=SEARCH)
    router.message.register(cmd_catalog, Command("catalog"), PRIVATE)
    router.message.register(cmd_catalog, Label(ui.BTN_CATALOG), PRIVATE)
    router.message.register(search_hint, Label(ui.BTN_SEARCH_HINT), PRIVATE)
    # Most pressed first; their filters exclude one another, so the order is free.
    router.callback_query.register(
        on_open, MaterialCallback.filter(F.action == MaterialAction.OPEN)
    )
    router.callback_query.register(on_get, MaterialCallback.filter(F.action == MaterialAction.GET))
    router.callback_query.register(
        on_search_page, SearchCallback.filter(F.action == SearchAction.PAGE), flags=SEARCH
    )
    # The catalog is browsed in private only: in a group its buttons would be everyone's.
    router.callback_query.register(on_browse, BrowseCallback.filter(), PRIVATE)
    router.callback_query.register(on_wish, SearchCallback.filter(F.action == SearchAction.WISH))
    return router
