"""The Monday digest as the outbox sends it: its caption with the chart, drawn when the first
copy goes out and sent to the other admins by the file_id Telegram gave the first."""

from __future__ import annotations

from datetime import date

from aiogram.types import BufferedInputFile

from bot.delivery import RenderContext, Rendered, Renderer
from handlers.stats import service
from handlers.stats.keyboards import digest_kb
from storage.announcements import Announcement, Render
from storage.db import Database


def renderers(db: Database) -> dict[Render, Renderer]:
    async def digest(announcement: Announcement, ctx: RenderContext) -> Rendered:
        content = announcement.content
        key = f"digest:{announcement.id}"
        uploaded = ctx.uploaded.get(key)
        if uploaded is not None:
            return Rendered(content.text, digest_kb(), photo=uploaded)
        week = date.fromisoformat(content.ref)
        today = db.now().astimezone(ctx.tz).date()
        png = await service.digest_chart(db, ctx.tz, service.week_of(week), today)
        if png is None:
            # Half a year without a download: a chart of zeros says nothing.
            return Rendered(content.text, digest_kb())
        photo = BufferedInputFile(png, f"digest-{week.isoformat()}.png")
        return Rendered(content.text, digest_kb(), photo=photo, upload_key=key)

    return {Render.DIGEST: digest}
