"""How requests and sessions read, and where their messages go.

Queue cards are rendered when they are sent, from the database: the outbox keeps only a
headline and the request's id, so a person's contacts never sit in the outbox and /forget
reaches every card sent after it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup

from bot import texts
from bot.delivery import RenderContext, Rendered, Renderer
from bot.keyboards import req_fix_kb, review_kb
from catalog.schedule import human_date
from storage.announcements import Announcement, AnnouncementRepo, Content, Kind, Render, Targets
from storage.db import Database
from storage.requests import Request, RequestRepo, Session
from storage.users import Role, UserRepo

log = logging.getLogger(__name__)


async def topic_title(db: Database, code: str) -> str:
    row = await db.fetchone("SELECT title FROM topics WHERE code = ?", (code,))
    return str(row["title"]) if row else code


def view_of(request: Request, topic: str, organisation: str) -> texts.RequestView:
    return texts.RequestView(
        organisation=organisation,
        topic=topic,
        format=request.format.value,
        audience=tuple(a.value for a in request.audience),
        participants=request.participants,
        dates=request.dates_text or texts.date_range(request.date_from, request.date_to),
        contact_name=request.contact_name,
        contact_phone=request.contact_phone,
        comment=request.comment,
    )


def when(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{human_date(local.date())} {local.year}, {local:%H:%M}"


async def request_card(
    db: Database, request: Request, tz: ZoneInfo, headline: str = ""
) -> tuple[str, InlineKeyboardMarkup]:
    """The methodologists' card with the buttons its status allows. Contacts are on it: only
    methodologists and admins ever see a card."""
    org = await db.fetchone(
        "SELECT name, district FROM organisations WHERE id = ?", (request.organisation_id,)
    )
    organisation = request.organisation
    if org is not None:
        organisation = f"{org['name']}" + (f" ({org['district']})" if org["district"] else "")
    session_line = ""
    announced = False
    if request.session_id is not None:
        row = await db.fetchone(
            "SELECT starts_at, place, announcement_id FROM sessions WHERE id = ?",
            (request.session_id,),
        )
        if row is not None:
            announced = row["announcement_id"] is not None
            starts = datetime.fromisoformat(row["starts_at"])
            session_line = (
                f"🗓 Занятие №{request.session_id}: {when(starts, tz)}, {texts.escape(row['place'])}"
            )
    created = datetime.fromisoformat(request.created_at).astimezone(tz)
    text = texts.request_card(
        request.id,
        request.status.value,
        view_of(request, await topic_title(db, request.topic_code), organisation),
        headline=headline,
        assignee=request.assignee,
        created=f"{created:%d.%m.%Y %H:%M}",
        session=session_line,
    )
    kb = review_kb(request.id, request.status.value, request.session_id, announced)
    return text, kb


def renderers(db: Database) -> dict[Render, Renderer]:
    """The outbox renderers of request messages."""

    async def card(announcement: Announcement, ctx: RenderContext) -> Rendered:
        """A request's card for the queue, drawn from the database when sent, so a person's
        contacts never sit in the outbox and /forget reaches every card sent after it."""
        content = announcement.content
        request = await RequestRepo(db).get(int(content.ref or 0))
        if request is None:
            return Rendered(content.text or texts.REVIEW_GONE)
        text, kb = await request_card(db, request, ctx.tz, content.text)
        return Rendered(text, kb)

    async def fix(announcement: Announcement, ctx: RenderContext) -> Rendered:
        content = announcement.content
        return Rendered(content.text, req_fix_kb(int(content.ref or 0)))

    return {Render.REQUEST_CARD: card, Render.REQUEST_FIX: fix}


async def to_queue(db: Database, staff_chat_id: int | None, request_id: int, headline: str) -> None:
    """A card for the review queue: into the staff chat, or to every methodologist in private
    when no staff chat is set or the bot is no longer in it."""
    outbox = AnnouncementRepo(db)
    content = Content(text=headline, render=Render.REQUEST_CARD, ref=str(request_id))
    if staff_chat_id is not None:
        created = await outbox.create(Kind.NOTICE, content, Targets(chats=(staff_chat_id,)))
        if created is not None and created[1] > 0:
            return
        log.warning(
            "staff chat %s is not active; request goes to methodologists in private",
            staff_chat_id,
        )
    people = await UserRepo(db).ids_at_least(Role.METHODOLOGIST)
    if not people:
        log.warning("no methodologist to send request %s to", request_id)
        return
    await outbox.create(Kind.NOTICE, content, Targets(users=tuple(people)))


async def to_tutor(db: Database, tutor_id: int, text: str, fix_request: int | None = None) -> None:
    content = Content(text=text)
    if fix_request is not None:
        content = Content(text=text, render=Render.REQUEST_FIX, ref=str(fix_request))
    await AnnouncementRepo(db).create(Kind.NOTICE, content, Targets(users=(tutor_id,)))


def session_announcement(session: Session, topic: str, tz: ZoneInfo) -> str:
    org = texts.escape(session.organisation) if session.organisation else texts.SCHEDULE_FOR_ALL
    return (
        f"🎓 <b>Обучение: {texts.escape(topic)}</b>\n📅 {when(session.starts_at, tz)}\n"
        f"🎓 {texts.FORMAT_TITLES.get(session.format.value, '')}\n🏥 {org}\n"
        f"📍 {texts.escape(session.place)}\n⏱ {texts.hours(session.planned_hours)} ак. ч."
    )
