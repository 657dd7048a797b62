"""The use cases of training requests, as plain async functions over the repositories: a
handler parses, calls one of these and renders what it returns. No aiogram types here.

Each use case does the whole of its job: it changes the request (one transaction that checks
the table of transitions), tells the people concerned through the outbox, wakes the sender,
keeps the scheduler's jobs in step and marks the cards already sent to be redrawn.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot import ui
from bot.delivery import Delivery
from bot.scheduler import Due, Scheduler
from catalog.importer import to_csv, to_xlsx_book
from catalog.requests import (
    Action,
    Status,
    add_working_days,
    allowed,
    format_phone,
    mask_phone,
)
from catalog.schedule import render_ics
from handlers.requests import texts
from handlers.requests.callbacks import QueueFilter
from storage.announcements import AnnouncementRepo, Content, Kind, Render, Targets
from storage.catalog import CatalogRepo
from storage.db import Database
from storage.organisations import Organisation, OrgRepo
from storage.requests import (
    Event,
    Request,
    RequestFilter,
    RequestInput,
    RequestRepo,
    Session,
    SessionInput,
    SessionRepo,
    SessionTotals,
)
from storage.users import Erased, Role, UserRecord, UserRepo

log = logging.getLogger(__name__)

QUEUE_PAGE = 10
# The requests' planner (handlers.requests.planner), named in the jobs it plans.
PLANNER = "request"
# An academic hour, for the length of a session in a calendar.
ACADEMIC_MINUTES = 45


@dataclass(frozen=True, slots=True)
class Desk:
    """What the use cases work with: the database, the outbox engine to wake, the scheduler
    whose jobs follow the requests, and the settings they need."""

    db: Database
    delivery: Delivery
    scheduler: Scheduler
    tz: ZoneInfo
    sla_days: int
    staff_chat_id: int | None

    def today(self) -> date:
        return self.db.now().astimezone(self.tz).date()


async def topic_title(db: Database, code: str) -> str:
    return (await CatalogRepo(db).topic_titles()).get(code, code)


# -- the tutor ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filed:
    request: Request
    created: bool  # False: the same form had already filed it


async def file_request(desk: Desk, user_id: int, draft: RequestInput, form_key: str) -> Filed:
    """A new request from the form; sending the same form again files nothing new."""
    request, created = await RequestRepo(desk.db).file(user_id, draft, form_key)
    if created:
        log.info(
            "request %s filed by user %s (phone %s)",
            request.id,
            user_id,
            mask_phone(request.contact_phone),
        )
        await _to_queue(desk, request.id, texts.REVIEW_NEW)
        _plan_sla(desk, request)
    return Filed(request, created)


async def resubmit(
    desk: Desk, user_id: int, request_id: int, draft: RequestInput, form_key: str
) -> Request | None:
    """The tutor's corrected request goes back to whoever had it, or to the queue; the same
    form sending again after a crash finds it sent."""
    repo = RequestRepo(desk.db)
    current = await repo.get(request_id)
    if current is not None and current.user_id == user_id and current.form_key == form_key:
        return current
    request = await repo.resubmit(request_id, user_id, draft, form_key)
    if request is None:
        return None
    log.info("request %s resubmitted by user %s", request.id, user_id)
    await _to_queue(desk, request.id, texts.REVIEW_RESUBMITTED)
    _plan_sla(desk, request)
    await _redraw_cards(desk, request.id)
    return request


async def withdraw(desk: Desk, user_id: int, request_id: int) -> Request | None:
    """The tutor takes a request back before it is approved; whoever had it is told."""
    request = await RequestRepo(desk.db).withdraw(request_id, user_id)
    if request is None:
        return None
    log.info("request %s withdrawn by user %s", request_id, user_id)
    if request.assignee_id is not None:
        topic = escape_title(await topic_title(desk.db, request.topic_code))
        text = texts.NOTE_WITHDRAWN.format(id=request.id, topic=topic)
        await desk.delivery.tell([request.assignee_id], text)
    await desk.scheduler.rebuild()
    await _redraw_cards(desk, request.id)
    return request


def can_withdraw(request: Request) -> bool:
    return allowed(Action.WITHDRAWN, request.status)


def can_fix(request: Request) -> bool:
    return allowed(Action.RESUBMITTED, request.status)


@dataclass(frozen=True, slots=True)
class Mine:
    """One of a tutor's requests as they see it: with its session once there is one."""

    request: Request
    topic: str
    organisation: str
    session: Session | None


async def my_requests(db: Database, user_id: int) -> tuple[list[Request], dict[str, str]]:
    titles = dict(await CatalogRepo(db).topic_titles())
    return await RequestRepo(db).for_user(user_id), titles


async def my_request(db: Database, user_id: int, request_id: int) -> Mine | None:
    """The tutor's own request, or None for anyone else's."""
    request = await RequestRepo(db).get(request_id)
    if request is None or request.user_id != user_id:
        return None
    session = await SessionRepo(db).of_request(request_id)
    org = await OrgRepo(db).get(request.organisation_id)
    return Mine(
        request,
        await topic_title(db, request.topic_code),
        org.name if org else request.organisation,
        session,
    )


async def changes_asked(db: Database, request: Request) -> str:
    """The methodologist's last words on what to fix."""
    events = await RequestRepo(db).events(request.id)
    return next((e.comment for e in reversed(events) if e.action is Action.CHANGES), "")


@dataclass(frozen=True, slots=True)
class Invitation:
    filename: str
    body: bytes
    session_id: int


async def invitation(
    db: Database, tz: ZoneInfo, person: UserRecord, session_id: int
) -> Invitation | None:
    """The .ics of a session for its tutor (or a methodologist); None if it is not theirs,
    gone, or over."""
    session = await SessionRepo(db).get(session_id)
    if session is None or session.starts_at <= db.now():
        return None
    if session.tutor_id != person.id and not person.role.at_least(Role.METHODOLOGIST):
        return None
    topic = await topic_title(db, session.topic_code)
    link = session.place if is_link(session.place) else None
    shown_place = "" if link else session.place
    description = "\n".join(
        p for p in (texts.FORMAT_TITLES.get(session.format.value, ""), shown_place) if p
    )
    body = render_ics(
        uid=f"session-{session.id}@mct-vologda",
        start=session.starts_at,
        minutes=max(int(session.planned_hours * ACADEMIC_MINUTES), 15),
        summary=texts.calendar_summary(topic),
        description=description,
        url=link,
        stamp=db.now(),
    )
    day = session.starts_at.astimezone(tz)
    return Invitation(f"mct-{day:%Y-%m-%d}-{session.id}.ics", body, session.id)


def is_link(place: str) -> bool:
    return place.startswith(("https://", "http://")) and " " not in place.strip()


# -- the methodologists -------------------------------------------------------------------------


async def take(desk: Desk, request_id: int, actor: UserRecord) -> Request | None:
    request = await RequestRepo(desk.db).take(request_id, actor.id)
    if request is None:
        return None
    await _tell_tutor(desk, request, texts.NOTE_TAKEN, who=ui.escape(actor.display_name))
    await desk.scheduler.rebuild()
    await _redraw_cards(desk, request_id)
    return request


async def ask_changes(desk: Desk, request_id: int, actor_id: int, comment: str) -> Request | None:
    request = await RequestRepo(desk.db).ask_changes(request_id, actor_id, comment)
    if request is None:
        return None
    log.info("request %s: changes asked by %s", request_id, actor_id)
    await _tell_tutor(
        desk, request, texts.NOTE_CHANGES, comment, render=Render.REQUEST_FIX, ref=request.id
    )
    await desk.scheduler.rebuild()
    await _redraw_cards(desk, request_id)
    return request


async def reject(desk: Desk, request_id: int, actor_id: int, reason: str) -> Request | None:
    request = await RequestRepo(desk.db).reject(request_id, actor_id, reason)
    if request is None:
        return None
    log.info("request %s rejected by %s", request_id, actor_id)
    await _tell_tutor(desk, request, texts.NOTE_REJECTED, reason)
    await desk.scheduler.rebuild()
    await _redraw_cards(desk, request_id)
    return request


async def approve(
    desk: Desk, request_id: int, actor_id: int, session: SessionInput, comment: str
) -> Request | None:
    """Approve with its session, in one transaction; the tutor gets the slot, its link and a
    calendar file, and the day-before reminder is planned. The same form saving again after a
    crash finds the request approved by it."""
    repo = RequestRepo(desk.db)
    if session.form_key is not None:
        saved = await SessionRepo(desk.db).by_form(actor_id, session.form_key)
        if saved is not None and saved.request_id == request_id:
            return await repo.get(request_id)
    request = await repo.approve(request_id, actor_id, session, comment)
    if request is None or request.session_id is None:
        return None
    log.info("request %s approved by %s, session %s", request_id, actor_id, request.session_id)
    await _tell_tutor(
        desk,
        request,
        texts.NOTE_APPROVED,
        comment,
        render=Render.REQUEST_SESSION,
        ref=request.session_id,
        when=texts.when(session.starts_at, desk.tz),
        format=texts.FORMAT_TITLES[session.format.value],
        place=ui.escape(ui.shorten(session.place, 300)),
        hours=texts.hours(session.planned_hours),
    )
    await desk.scheduler.rebuild()
    await _redraw_cards(desk, request_id)
    return request


async def record_session(db: Database, data: SessionInput, actor_id: int) -> Session:
    session = await SessionRepo(db).create(data, actor_id)
    log.info("session %s recorded by %s", session.id, actor_id)
    return session


async def session_exists(db: Database, session_id: int) -> bool:
    return await SessionRepo(db).get(session_id) is not None


async def record_results(
    db: Database, session_id: int, trained: int, hours_done: float, actor_id: int
) -> bool:
    return await SessionRepo(db).record(session_id, trained, hours_done, actor_id)


class Announce(StrEnum):
    DONE = "done"
    GONE = "gone"
    ALREADY = "already"
    NO_CHATS = "no_chats"


@dataclass(frozen=True, slots=True)
class Announced:
    outcome: Announce
    chats: int = 0
    request_id: int | None = None


async def announce(desk: Desk, session_id: int, actor_id: int) -> Announced:
    """A session announced in the chats bound to its direction, once."""
    sessions = SessionRepo(desk.db)
    session = await sessions.get(session_id)
    if session is None:
        return Announced(Announce.GONE)
    if session.announcement_id is not None:
        return Announced(Announce.ALREADY, request_id=session.request_id)
    outbox = AnnouncementRepo(desk.db)
    targets = Targets(topics=(session.topic_code,))
    if await outbox.count_targets(targets) == 0:
        return Announced(Announce.NO_CHATS)
    topic = await topic_title(desk.db, session.topic_code)
    text = texts.session_announcement(
        topic,
        texts.when(session.starts_at, desk.tz),
        session.format.value,
        session.organisation,
        session.place,
        session.planned_hours,
    )
    created = await outbox.create(Kind.BROADCAST, Content(text=text), targets, created_by=actor_id)
    if created is None or not await sessions.set_announcement(session_id, created[0]):
        return Announced(Announce.ALREADY, request_id=session.request_id)
    desk.delivery.kick()
    return Announced(Announce.DONE, created[1], session.request_id)


@dataclass(frozen=True, slots=True)
class Card:
    """A request as its card shows it."""

    request: Request
    topic: str
    organisation: str
    session: Session | None

    @property
    def announced(self) -> bool:
        return self.session is not None and self.session.announcement_id is not None


async def card(db: Database, request_id: int) -> Card | None:
    request = await RequestRepo(db).get(request_id)
    if request is None:
        return None
    org = await OrgRepo(db).get(request.organisation_id)
    organisation = request.organisation
    if org is not None:
        organisation = org.name + (f" ({org.district})" if org.district else "")
    session = await SessionRepo(db).of_request(request_id) if request.session_id else None
    return Card(request, await topic_title(db, request.topic_code), organisation, session)


async def history(db: Database, request_id: int) -> list[Event] | None:
    if await RequestRepo(db).get(request_id) is None:
        return None
    return await RequestRepo(db).events(request_id)


@dataclass(frozen=True, slots=True)
class QueuePage:
    requests: list[Request]
    total: int
    page: int
    pages: int
    titles: dict[str, str]
    organisation: Organisation | None


async def queue(db: Database, where: QueueFilter, page: int, viewer: int) -> QueuePage:
    assignee = {"me": viewer, "none": 0}.get(where.assignee)
    found, total = await RequestRepo(db).search(
        RequestFilter(
            status=Status(where.status) if where.status else None,
            organisation_id=where.org or None,
            topic_code=where.topic or None,
            assignee_id=assignee,
        ),
        limit=QUEUE_PAGE,
        offset=max(page, 0) * QUEUE_PAGE,
    )
    titles = dict(await CatalogRepo(db).topic_titles())
    org = await OrgRepo(db).get(where.org) if where.org else None
    pages = max((total + QUEUE_PAGE - 1) // QUEUE_PAGE, 1)
    return QueuePage(found, total, page, pages, titles, org)


async def sessions_overview(db: Database, limit: int = 15) -> tuple[list[Session], SessionTotals]:
    repo = SessionRepo(db)
    return await repo.recent(limit), await repo.totals()


async def export(db: Database, tz: ZoneInfo) -> tuple[bytes, bytes, bytes, int, int]:
    """The xlsx book (sheets «Заявки», «Занятия») and the two CSVs, in Russian, with Moscow
    times and dates as dates; and how many rows of each."""
    titles = await CatalogRepo(db).topic_titles()
    orgs = {o.id: o.name for o in await OrgRepo(db).all(active_only=False)}
    requests = await RequestRepo(db).everything()
    sessions = await SessionRepo(db).everything()
    request_rows: list[list[Any]] = [list(texts.REQUEST_COLUMNS)]
    for r in requests:
        request_rows.append(
            [
                r.id,
                texts.STATUS_TITLES.get(r.status.value, r.status.value),
                orgs.get(r.organisation_id, r.organisation),
                titles.get(r.topic_code, r.topic_code),
                texts.FORMAT_TITLES.get(r.format.value, r.format.value),
                texts.audience([a.value for a in r.audience]),
                r.participants,
                r.date_from,
                r.date_to,
                r.contact_name or "",
                format_phone(r.contact_phone, r.contact_phone_code) if r.contact_phone else "",
                r.comment,
                r.assignee,
                _local(datetime.fromisoformat(r.created_at), tz),
                r.session_id if r.session_id is not None else "",
            ]
        )
    session_rows: list[list[Any]] = [list(texts.SESSION_COLUMNS)]
    for s in sessions:
        session_rows.append(
            [
                s.id,
                s.request_id if s.request_id is not None else "",
                orgs.get(s.organisation_id or 0, "") or texts.SCHEDULE_FOR_ALL,
                titles.get(s.topic_code, s.topic_code),
                texts.FORMAT_TITLES.get(s.format.value, s.format.value),
                _local(s.starts_at, tz),
                s.place,
                s.planned_hours,
                s.participants if s.participants is not None else "",
                s.hours if s.hours is not None else "",
            ]
        )
    book = to_xlsx_book(
        [(texts.SHEET_REQUESTS, request_rows), (texts.SHEET_SESSIONS, session_rows)]
    )
    return (
        book,
        to_csv(request_rows),
        to_csv(session_rows),
        len(request_rows) - 1,
        len(session_rows) - 1,
    )


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    """Moscow wall time, without a zone: spreadsheets take no zones."""
    return moment.astimezone(tz).replace(tzinfo=None)


# -- everyone -----------------------------------------------------------------------------------


async def erase_person(db: Database, delivery: Delivery, user_id: int) -> Erased:
    """/forget: the person's name and contacts go everywhere, and the cards methodologists
    already have are redrawn without the contact."""
    erased = await UserRepo(db).erase(user_id, texts.FORGOTTEN_NOTICE)
    cards = [str(i) for i in erased.request_ids]
    if await AnnouncementRepo(db).refresh(Render.REQUEST_CARD, cards):
        delivery.kick()
    log.info("user %s erased their personal data (%d request(s))", user_id, erased.requests)
    return erased


# -- the plumbing -------------------------------------------------------------------------------


def escape_title(title: str) -> str:
    return ui.escape(ui.shorten(title, 100))


async def _tell_tutor(
    desk: Desk,
    request: Request,
    text: str,
    comment: str = "",
    *,
    render: Render = Render.PLAIN,
    ref: int | None = None,
    **values: str,
) -> None:
    topic = escape_title(await topic_title(desk.db, request.topic_code))
    body = text.format(id=request.id, topic=topic, **values)
    if comment:
        body += texts.NOTE_COMMENT.format(comment=ui.escape(ui.shorten(comment, 1000)))
    await desk.delivery.tell([request.user_id], body, render, "" if ref is None else str(ref))


async def _to_queue(desk: Desk, request_id: int, headline: str) -> None:
    await to_queue(desk.db, desk.staff_chat_id, request_id, headline)
    desk.delivery.kick()


async def to_queue(db: Database, staff_chat_id: int | None, request_id: int, headline: str) -> None:
    """A card for the review queue: into the staff chat, or to every methodologist in private
    when no staff chat is set or the bot is no longer in it. The card is drawn when it is sent,
    from the database: a person's contacts never sit in the outbox."""
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


def sla_due(request_id: int, touched: str, sla_days: int, tz: ZoneInfo) -> Due:
    """The moment a request left waiting since ``touched`` is brought up again."""
    at = add_working_days(datetime.fromisoformat(touched), sla_days, tz)
    key = f"sla:{request_id}:{touched}"
    return Due(at, key, PLANNER, ("sla", str(request_id), touched))


def _plan_sla(desk: Desk, request: Request) -> None:
    due = sla_due(request.id, request.touched_at, desk.sla_days, desk.tz)
    desk.scheduler.schedule(due, replacing=f"sla:{request.id}:")


async def _redraw_cards(desk: Desk, request_id: int) -> None:
    """Every card of the request sent so far is edited to show its status now."""
    if await AnnouncementRepo(desk.db).refresh(Render.REQUEST_CARD, [str(request_id)]):
        desk.delivery.kick()


def asked_days(request: Request) -> list[str]:
    """The days a tutor asked for, as ISO dates, for the scheduling calendar to mark."""
    days = min((request.date_to - request.date_from).days, 92)
    return [(request.date_from + timedelta(days=i)).isoformat() for i in range(days + 1)]
