"""Inline mode: «@bot запрос» in any chat, and counting what people pick.

Picks arrive as ``chosen_inline_result`` only if inline feedback is switched on in @BotFather
(/setinlinefeedback); without it inline deliveries are not counted.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Router
from aiogram.types import (
    ChosenInlineResult,
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultCachedDocument,
    InlineQueryResultCachedPhoto,
    InlineQueryResultCachedVideo,
    InlineQueryResultUnion,
    InputTextMessageContent,
)

from bot import ui
from catalog.model import KIND_TITLES
from handlers.search import service, texts
from handlers.search.keyboards import link_kb
from storage.catalog import CatalogRepo, Material
from storage.users import UserRecord

# Telegram allows 50 results per answer; smaller pages arrive faster on a phone.
PAGE = 20
MAX_OFFSET = 1000


def _result(m: Material) -> InlineQueryResultUnion | None:
    rid = str(m.id)
    caption = texts.caption(m.title, ui.CAPTION_LIMIT)
    title = ui.shorten(m.title, texts.INLINE_TITLE)
    description = f"{KIND_TITLES[m.kind]} · {ui.shorten(m.description, 80)}"
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


async def on_inline_query(query: InlineQuery, materials: CatalogRepo) -> None:
    offset = int(query.offset) if query.offset.isdigit() else 0
    offset = min(offset, MAX_OFFSET)
    text = query.query.strip()
    ids: Sequence[int]
    if text:
        ids = (await materials.search(text)).ids[offset : offset + PAGE]
    else:
        ids = await materials.popular(PAGE, offset)
    results = [r for m in await materials.get_many(ids) if (r := _result(m)) is not None]
    more = len(ids) == PAGE and offset + PAGE < MAX_OFFSET
    await query.answer(
        results,
        cache_time=60,
        is_personal=False,
        next_offset=str(offset + PAGE) if more else "",
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
