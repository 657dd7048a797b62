"""Scheduled work as plain async functions. A job only decides and moves rows into the outbox;
the delivery engine does the sending. Every job is safe to run twice: the database records
what was done (a reminder's outcome, a broadcast's status), so a second run finds it done."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import reports, request_cards, texts
from bot.delivery import Delivery
from catalog.requests import add_working_days, day_before
from catalog.schedule import Offset, Slot, is_holiday, next_dates, starts_at
from storage.announcements import AnnouncementRepo, Content, Kind, Render, Targets
from storage.requests import RequestRepo, SessionRepo
from storage.users import Role, UserRepo
from storage.vks import VksDate, VksRepo

log = logging.getLogger(__name__)


# When tutors hear about tomorrow's session.
SESSION_REMINDER_AT = time(15, 0)
# The admins' digest of last week: Mondays at 09:00. A digest that could not go out then (the
# bot was down) still goes the same day, and is dropped after that: by Tuesday it is old news.
DIGEST_AT = time(9, 0)
DIGEST_LATEST = timedelta(hours=12)
# The digest's once-only mark shares the reminders' table: (its Monday, this key).
DIGEST_KEY = "digest"


@dataclass(frozen=True, slots=True)
class Due:
    """One scheduled moment: a VKS reminder, the release of a scheduled broadcast, a request
    waiting too long (SLA), or a tutor's reminder the day before a session."""

    at: datetime
    key: str
    day: date | None = None
    offset: Offset | None = None
    announcement_id: int | None = None
    request_id: int | None = None
    touched: str = ""
    session_id: int | None = None
    digest: date | None = None  # the Monday the digest goes out

    @property
    def catches_up(self) -> bool:
        """Still worth doing however late: an overdue request still needs someone, a session
        reminder stays useful until the session starts, a digest until the evening (run
        checks those)."""
        return self.request_id is not None or self.session_id is not None or self.digest is not None


@dataclass(slots=True)
class JobContext:
    delivery: Delivery
    tz: ZoneInfo
    sla_days: int = 2
    staff_chat_id: int | None = None
    digest: bool = True

    @property
    def requests(self) -> RequestRepo:
        return RequestRepo(self.delivery.db)

    @property
    def sessions(self) -> SessionRepo:
        return SessionRepo(self.delivery.db)

    @property
    def vks(self) -> VksRepo:
        return VksRepo(self.delivery.db)

    @property
    def outbox(self) -> AnnouncementRepo:
        return self.delivery.outbox


async def due_between(ctx: JobContext, start: datetime, end: datetime) -> list[Due]:
    """Every VKS reminder and scheduled broadcast with a moment in (start, end]."""
    found: list[Due] = []
    slot = await ctx.vks.slot()
    offsets = await ctx.vks.offsets()
    weeks = (end - start).days // 7 + 2
    for day in next_dates(slot, start.astimezone(ctx.tz).date(), weeks):
        for offset in offsets:
            at = offset.moment(slot, day, ctx.tz)
            if start < at <= end:
                found.append(Due(at, f"vks:{day.isoformat()}:{offset.key}", day, offset))
    for a in await ctx.outbox.scheduled():
        at = datetime.fromisoformat(a.scheduled_at or a.created_at)
        if at <= end:
            found.append(Due(at, f"broadcast:{a.id}", announcement_id=a.id))
    # Requests and reminders are not bounded by ``start``: a moment that passed while the bot
    # was down is still owed (they catch up), and the database says whether it was done.
    for r in await ctx.requests.waiting():
        if (due := sla_due(ctx, r.id, r.touched_at)).at <= end:
            found.append(due)
    for s in await ctx.sessions.to_remind(start):
        at = day_before(s.starts_at.astimezone(ctx.tz).date(), SESSION_REMINDER_AT, ctx.tz)
        if at <= end:
            found.append(Due(at, f"session:{s.id}", session_id=s.id))
    monday = (end - DIGEST_LATEST).astimezone(ctx.tz).date()
    monday -= timedelta(days=monday.weekday())
    while ctx.digest and (at := datetime.combine(monday, DIGEST_AT, tzinfo=ctx.tz)) <= end:
        # The one a restart may still owe is at most DIGEST_LATEST old, whatever ``start``.
        if at > start or at >= end - DIGEST_LATEST:
            found.append(Due(at, f"digest:{monday.isoformat()}", digest=monday))
        monday += timedelta(weeks=1)
    found.sort(key=lambda d: d.at)
    return found


def sla_due(ctx: JobContext, request_id: int, touched: str) -> Due:
    """The moment a request left waiting since ``touched`` is brought up again."""
    at = add_working_days(datetime.fromisoformat(touched), ctx.sla_days, ctx.tz)
    return Due(at, f"sla:{request_id}:{touched}", request_id=request_id, touched=touched)


async def is_done(ctx: JobContext, item: Due) -> bool:
    if item.day is not None and item.offset is not None:
        return item.offset.key in await ctx.vks.outcomes(item.day)
    if item.announcement_id is not None:
        announcement = await ctx.outbox.get(item.announcement_id)
        return announcement is None or announcement.status != "scheduled"
    if item.request_id is not None:
        request = await ctx.requests.get(item.request_id)
        return (
            request is None
            or not request.status.is_open
            or request.touched_at != item.touched
            or (request.sla_reminded_at or "") >= request.touched_at
        )
    if item.session_id is not None:
        session = await ctx.sessions.get(item.session_id)
        return session is None or session.reminded_at is not None
    if item.digest is not None:
        return DIGEST_KEY in await ctx.vks.outcomes(item.digest)
    return True


async def skipped_anyway(ctx: JobContext, item: Due) -> bool:
    """A reminder for a holiday or a cancelled date: recording it as skipped for that reason
    is truer than calling it missed, and needs no apology to the methodologists."""
    if item.day is None:
        return False
    return is_holiday(item.day) or (await ctx.vks.get(item.day)).cancelled


async def run(ctx: JobContext, item: Due, now: datetime) -> None:
    """Do one moment's work; ``now`` is when it is done (it may be late)."""
    if item.day is not None and item.offset is not None:
        await vks_reminder(ctx, item.day, item.offset, now)
    elif item.announcement_id is not None:
        await release_broadcast(ctx, item.announcement_id)
    elif item.request_id is not None:
        await sla_reminder(ctx, item.request_id, item.touched)
    elif item.session_id is not None:
        await session_reminder(ctx, item.session_id, now)
    elif item.digest is not None:
        await weekly_digest(ctx, item.digest, item.at, now)


async def weekly_digest(ctx: JobContext, monday: date, at: datetime, now: datetime) -> None:
    """Last week in one message with the trend chart, to every admin who has not switched it
    off. The caption is written now; the chart is drawn when the first copy is sent."""
    if now - at > DIGEST_LATEST:
        await ctx.vks.record_outcome(monday, DIGEST_KEY, "missed")
        log.warning("weekly digest of %s dropped: the bot was down until %s", monday, now)
        return
    readers = await UserRepo(ctx.delivery.db).digest_readers()
    if not readers:
        await ctx.vks.record_outcome(monday, DIGEST_KEY, "missed")
        log.info("weekly digest of %s: every admin has switched it off", monday)
        return
    week = reports.last_week(monday)
    caption = await reports.digest_caption(ctx.delivery.db, ctx.tz, week)
    created = await ctx.outbox.create(
        Kind.NOTICE,
        Content(text=caption, render=Render.DIGEST, ref=week.start.isoformat()),
        Targets(users=tuple(readers)),
        once=(monday.isoformat(), DIGEST_KEY),
    )
    if created is not None:
        log.info("weekly digest queued for %d admin(s)", created[1])
        ctx.delivery.kick()


async def sla_reminder(ctx: JobContext, request_id: int, touched: str) -> None:
    """A request nobody acted on: its card goes to the queue again, with a reminder."""
    if not await ctx.requests.mark_reminded(request_id, touched):
        return
    headline = texts.REVIEW_SLA.format(days=ctx.sla_days)
    await request_cards.to_queue(ctx.delivery.db, ctx.staff_chat_id, request_id, headline)
    log.info("request %s waited %d working days: methodologists reminded", request_id, ctx.sla_days)
    ctx.delivery.kick()


async def session_reminder(ctx: JobContext, session_id: int, now: datetime) -> None:
    session = await ctx.sessions.get(session_id)
    if session is None or session.tutor_id is None or session.starts_at <= now:
        return
    if not await ctx.sessions.mark_reminded(session_id):
        return
    if session.starts_at.astimezone(ctx.tz).date() <= now.astimezone(ctx.tz).date():
        # Approved for today after yesterday's reminder time: "завтра" would be wrong, and the
        # approval message itself told the tutor.
        return
    request = await ctx.requests.get(session.request_id or 0)
    topic = await request_cards.topic_title(ctx.delivery.db, session.topic_code)
    text = texts.REQ_NOTE_TOMORROW.format(
        when=request_cards.when(session.starts_at, ctx.tz),
        id=request.id if request else session_id,
        topic=texts.escape(topic),
        format=texts.FORMAT_TITLES.get(session.format.value, ""),
        place=texts.escape(session.place),
    )
    await request_cards.to_tutor(ctx.delivery.db, session.tutor_id, text)
    ctx.delivery.kick()


async def skip_missed(ctx: JobContext, item: Due) -> None:
    """The bot was down too long past this moment: record it and tell the methodologists."""
    when = item.at.astimezone(ctx.tz).strftime("%d.%m %H:%M")
    if item.day is not None and item.offset is not None:
        if await ctx.vks.record_outcome(item.day, item.offset.key, "missed"):
            await ctx.delivery.notify(
                Role.METHODOLOGIST, texts.VKS_REMINDER_MISSED.format(when=when)
            )
    elif item.announcement_id is not None and await ctx.outbox.mark_missed(item.announcement_id):
        await ctx.delivery.notify(
            Role.METHODOLOGIST,
            texts.BROADCAST_MISSED.format(id=item.announcement_id, when=when),
        )
    log.warning("skipped %s: it was due at %s", item.key, item.at.isoformat())


async def vks_reminder(ctx: JobContext, day: date, offset: Offset, now: datetime) -> None:
    if offset.key in await ctx.vks.outcomes(day):
        return
    if is_holiday(day):
        await ctx.vks.record_outcome(day, offset.key, "skipped_holiday")
        log.info("VKS %s is a public holiday: reminder %s skipped", day, offset.key)
        return
    vks = await ctx.vks.get(day)
    if vks.cancelled:
        await ctx.vks.record_outcome(day, offset.key, "skipped_cancelled")
        log.info("VKS %s is cancelled: reminder %s skipped", day, offset.key)
        return
    if not vks.topic:
        if await ctx.vks.record_outcome(day, offset.key, "asked_topic"):
            await ctx.delivery.notify(
                Role.METHODOLOGIST, texts.VKS_ASK_TOPIC.format(day=day.strftime("%d.%m.%Y"))
            )
        return
    slot = await ctx.vks.slot()
    text = texts.vks_announcement(vks, slot, starts_at(slot, day, ctx.tz), now)
    targets = vks_targets(vks)
    created = await ctx.outbox.create(
        Kind.VKS,
        Content(text=text, render=Render.VKS_POST, ref=day.isoformat()),
        targets,
        vks_date=day.isoformat(),
        once=(day.isoformat(), offset.key),
    )
    if created is not None:
        log.info("VKS %s reminder %s queued for %d target(s)", day, offset.key, created[1])
        ctx.delivery.kick()


def vks_targets(vks: VksDate) -> Targets:
    """The chats bound to the date's directions, or every active chat; plus the people who
    subscribed to those directions (or to anything) in private."""
    if vks.directions:
        return Targets(topics=vks.directions, subscribers=True)
    return Targets(all_chats=True, subscribers=True)


async def release_broadcast(ctx: JobContext, announcement_id: int) -> None:
    count = await ctx.outbox.release(announcement_id)
    if count is not None:
        log.info("scheduled broadcast %s released to %d target(s)", announcement_id, count)
        ctx.delivery.kick()


def vks_started(slot: Slot, day: date, tz: ZoneInfo, now: datetime) -> bool:
    return now >= starts_at(slot, day, tz) - timedelta(minutes=1)
