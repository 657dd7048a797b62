"""How a request reads as a card, and the outbox renderers of the feature's messages: cards
are drawn from the database when they are sent or redrawn, so a person's contacts never sit
in the outbox and /forget reaches every card."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup

from bot.delivery import RenderContext, Rendered, Renderer
from handlers.requests import service, texts
from handlers.requests.keyboards import fix_kb, review_kb, session_note_kb
from storage.announcements import Announcement, Render
from storage.db import Database
from storage.requests import Request, SessionRepo


def view_of(request: Request, topic: str, organisation: str) -> texts.RequestView:
    return texts.RequestView(
        organisation=organisation,
        topic=topic,
        format=request.format.value,
        audience=tuple(a.value for a in request.audience),
        participants=request.participants,
        dates=texts.date_range(request.date_from, request.date_to, request.dates_text),
        contact_name=request.contact_name,
        contact_phone=request.contact_phone,
        comment=request.comment,
        contact_phone_code=request.contact_phone_code,
    )


def card_text(found: service.Card, tz: ZoneInfo, headline: str = "") -> str:
    request = found.request
    session_line = ""
    if found.session is not None:
        session_line = texts.session_on_card(
            found.session.id, found.session.starts_at, found.session.place, tz
        )
    created = datetime.fromisoformat(request.created_at).astimezone(tz)
    return texts.request_card(
        request.id,
        request.status.value,
        view_of(request, found.topic, found.organisation),
        headline=headline,
        assignee=request.assignee,
        created=f"{created:%d.%m.%Y %H:%M}",
        session=session_line,
    )


async def request_card(
    db: Database, request_id: int, tz: ZoneInfo, headline: str = ""
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The methodologists' card with the buttons its status allows. Contacts are on it: only
    methodologists and admins ever see a card."""
    found = await service.card(db, request_id)
    if found is None:
        return None
    return card_text(found, tz, headline), review_kb(found.request, found.session)


def renderers(db: Database) -> dict[Render, Renderer]:
    """The outbox renderers of request messages."""

    async def card(announcement: Announcement, ctx: RenderContext) -> Rendered:
        content = announcement.content
        drawn = await request_card(db, int(content.ref or 0), ctx.tz, content.text)
        if drawn is None:
            return Rendered(content.text or texts.REVIEW_GONE)
        return Rendered(*drawn)

    async def fix(announcement: Announcement, ctx: RenderContext) -> Rendered:
        content = announcement.content
        return Rendered(content.text, fix_kb(int(content.ref or 0)))

    async def session_note(announcement: Announcement, ctx: RenderContext) -> Rendered:
        content = announcement.content
        session = await SessionRepo(db).get(int(content.ref or 0))
        link = session.place if session is not None and service.is_link(session.place) else None
        return Rendered(content.text, session_note_kb(session, link))

    return {
        Render.REQUEST_CARD: card,
        Render.REQUEST_FIX: fix,
        Render.REQUEST_SESSION: session_note,
    }
