"""A VKS reminder as the outbox sends it: its text with the attendance count as it is at that
moment and the calendar button."""

from __future__ import annotations

from datetime import date

from bot.delivery import RenderContext, Rendered, Renderer
from handlers.vks.keyboards import post_kb
from storage.announcements import Announcement, Render
from storage.db import Database
from storage.vks import VksRepo


def renderers(db: Database) -> dict[Render, Renderer]:
    async def post(announcement: Announcement, ctx: RenderContext) -> Rendered:
        day = date.fromisoformat(announcement.content.ref or announcement.vks_date or "")
        attending = await VksRepo(db).attendance(day)
        return Rendered(announcement.content.text, post_kb(day, attending, ctx.bot_username))

    return {Render.VKS_POST: post}
