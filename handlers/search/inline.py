"""Inline mode: «@bot запрос» in any chat, and counting what people pick.

Each result names its kind by an icon in the title and says its kind and directions in the
description. A query that finds nothing offers «Открыть бота», which runs the same search in
the private chat (``q_<query>``), where the person can ask the methodologists for it.

Picks arrive as ``chosen_inline_result`` only if inline feedback is switched on in @BotFather
(/setinlinefeedback); without it inline deliveries are not counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aiogram import Router
from aiogram.types import (
    ChosenInlineResult,
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultCachedDocument,
    InlineQueryResultCachedPhoto,
    InlineQueryResultCachedVideo,
    InlineQueryResultsButton,
    InlineQueryResultUnion,
    InputTextMessageContent,
)

from bot import ui
from bot.deeplinks import Route, encode
from handlers.search import service, texts
from handlers.search.keyboards import link_kb
from storage.catalog import CatalogRepo, Material
from storage.users import UserRecord

# Telegram allows 50 results per answer; smaller pages arrive faster on a phone.
PAGE = 20
MAX_OFFSET = 1000
DESCRIPTION = 80


def _description(m: Material, titles: Mapping[str, str]) -> str:
    """«Памятка · ЭЛН — Оформление листка…»: what it is and where it belongs first."""
    about = texts.meta(m.kind, [titles.get(t, t) for t in m.topics])
    if m.description:
        about += f" — {ui.shorten(m.description, DESCRIPTION)}"
    return about


def _result(m: Material, titles: Mapping[str, str]) -> InlineQueryResultUnion | None:
    rid = str(m.id)
    title = texts.inline_title(m.title, m.kind)
    caption = texts.caption(m.title, ui.CAPTION_LIMIT)
    description = _description(m, titles)
    if m.file_id and m.file_type == "video":
        return InlineQueryResultCachedVideo(
            id=rid, video_file_id=m.file_id, title=title, caption=caption, description=description
        )
    if m.file_id and m.file_type == "photo":
        return InlineQueryResultCachedPhoto(
            id=rid, photo_file_id=m.file_id, title=title, caption=caption, description=description
        )
    if m.file_id:
        return InlineQueryResultCachedDocument(
            id=rid,
            document_file_id=m.file_id,
            title=title,
            caption=caption,
            description=description,
        )
    if m.url:
        return InlineQueryResultArticle(
            id=rid,
            title=title,
            description=description,
            input_message_content=InputTextMessageContent(
                message_text=texts.link_message(m.title, m.url)
            ),
            reply_markup=link_kb(m.url),
        )
    return None


def _open_bot(query: str) -> InlineQueryResultsButton:
    argument = service.encode_query(query) if query else service.NO_QUERY
    return InlineQueryResultsButton(
        text=texts.INLINE_OPEN_BOT, start_parameter=encode(Route.SEARCH, argument)
    )


async def on_inline_query(query: InlineQuery, materials: CatalogRepo) -> None:
    offset = int(query.offset) if query.offset.isdigit() else 0
    offset = min(offset, MAX_OFFSET)
    text = query.query.strip()
    ids: Sequence[int]
    if text:
        ids = (await materials.search(text)).ids[offset : offset + PAGE]
    else:
        ids = await materials.popular(PAGE, offset)
    titles = await materials.topic_titles()
    results = [r for m in await materials.get_many(ids) if (r := _result(m, titles)) is not None]
    more = len(ids) == PAGE and offset + PAGE < MAX_OFFSET
    await query.answer(
        results,
        cache_time=60,
        is_personal=False,
        next_offset=str(offset + PAGE) if more else "",
        # Only on the first page: a later page that is empty is the end of a long list.
        button=_open_bot(text) if not results and offset == 0 else None,
    )


async def on_chosen(result: ChosenInlineResult, materials: CatalogRepo, user: UserRecord) -> None:
    if not result.result_id.isdigit():
        return
    material = await materials.get(int(result.result_id))
    if material is not None:
        await service.count_delivery(materials, material, user.id, None, "inline")


def create_router() -> Router:
    router = Router(name=__name__)
    router.inline_query.register(on_inline_query)
    router.chosen_inline_result.register(on_chosen)
    return router
