"""The features' scheduled work, as planners for ``bot.scheduler``. A job only decides and moves
rows into the outbox; the delivery engine does the sending. Every job is safe to run twice: the
database records what was done (a reminder's outcome, a broadcast's status), so a second run
finds it done."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import request_cards, texts
from bot.delivery import Delivery
from bot.scheduler import Due
from catalog.requests import add_working_days, day_before
from storage.announcements import AnnouncementRepo
from storage.requests import RequestRepo, SessionRepo
from storage.users import Role

log = logging.getLogger(__name__)

# When tutors hear about tomorrow's session.
SESSION_REMINDER_AT = time(15, 0)


def _when(item: Due, tz: ZoneInfo) -> str:
    return item.at.astimezone(tz).strftime("%d.%m %H:%M")


class BroadcastPlanner:
    """Broadcasts scheduled for a moment: released into the outbox then."""

    name = "broadcast"

    def __init__(self, delivery: Delivery, tz: ZoneInfo) -> None:
        self.delivery = delivery
        self.tz = tz
        self.outbox = AnnouncementRepo(delivery.db)

    async def due(self, start: datetime, end: datetime) -> list[Due]:
        found = []
        for a in await self.outbox.scheduled():
            at = datetime.fromisoformat(a.scheduled_at or a.created_at)
            if at <= end:
                found.append(Due(at, f"broadcast:{a.id}", self.name, (str(a.id),)))
        return found

    async def done(self, item: Due) -> bool:
        announcement = await self.outbox.get(int(item.ref[0]))
        return announcement is None or announcement.status != "scheduled"

    def catches_up(self, item: Due) -> bool:
        return False

    async def too_late(self, item: Due, now: datetime, grace: timedelta) -> bool:
        return now - item.at > grace

    async def missed(self, item: Due) -> None:
        number = int(item.ref[0])
        if await self.outbox.mark_missed(number):
            await self.delivery.notify(
                Role.METHODOLOGIST,
                texts.BROADCAST_MISSED.format(id=number, when=_when(item, self.tz)),
            )

    async def run(self, item: Due, now: datetime) -> None:
        count = await self.outbox.release(int(item.ref[0]))
        if count is not None:
            log.info("scheduled broadcast %s released to %d target(s)", item.ref[0], count)
            self.delivery.kick()


def sla_due(request_id: int, touched: str, sla_days: int, tz: ZoneInfo) -> Due:
    """The moment a request left waiting since ``touched`` is brought up again."""
    at = add_working_days(datetime.fromisoformat(touched), sla_days, tz)
    key = f"sla:{request_id}:{touched}"
    return Due(at, key, RequestPlanner.name, ("sla", str(request_id), touched))


class RequestPlanner:
    """A request nobody acted on for ``sla_days`` working days goes to the queue again; a
    tutor hears about tomorrow's session the day before. Both still matter however late: a
    moment that passed while the bot was down is still owed."""

    name = "request"

    def __init__(
        self, delivery: Delivery, tz: ZoneInfo, sla_days: int, staff_chat_id: int | None
    ) -> None:
        self.delivery = delivery
        self.tz = tz
        self.sla_days = sla_days
        self.staff_chat_id = staff_chat_id
        self.requests = RequestRepo(delivery.db)
        self.sessions = SessionRepo(delivery.db)

    async def due(self, start: datetime, end: datetime) -> list[Due]:
        # Not bounded by ``start``: the database says whether it was done.
        found = []
        for r in await self.requests.waiting():
            if (due := sla_due(r.id, r.touched_at, self.sla_days, self.tz)).at <= end:
                found.append(due)
        for s in await self.sessions.to_remind(start):
            at = day_before(s.starts_at.astimezone(self.tz).date(), SESSION_REMINDER_AT, self.tz)
            if at <= end:
                found.append(Due(at, f"session:{s.id}", self.name, ("session", str(s.id))))
        return found

    async def done(self, item: Due) -> bool:
        if item.ref[0] == "sla":
            request = await self.requests.get(int(item.ref[1]))
            return (
                request is None
                or not request.status.is_open
                or request.touched_at != item.ref[2]
                or (request.sla_reminded_at or "") >= request.touched_at
            )
        session = await self.sessions.get(int(item.ref[1]))
        return session is None or session.reminded_at is not None

    def catches_up(self, item: Due) -> bool:
        return True

    async def too_late(self, item: Due, now: datetime, grace: timedelta) -> bool:
        return False

    async def missed(self, item: Due) -> None:
        return None

    async def run(self, item: Due, now: datetime) -> None:
        if item.ref[0] == "sla":
            await self._sla_reminder(int(item.ref[1]), item.ref[2])
        else:
            await self._session_reminder(int(item.ref[1]), now)

    async def _sla_reminder(self, request_id: int, touched: str) -> None:
        """A request nobody acted on: its card goes to the queue again, with a reminder."""
        if not await self.requests.mark_reminded(request_id, touched):
            return
        headline = texts.REVIEW_SLA.format(days=self.sla_days)
        await request_cards.to_queue(self.delivery.db, self.staff_chat_id, request_id, headline)
        log.info(
            "request %s waited %d working days: methodologists told", request_id, self.sla_days
        )
        self.delivery.kick()

    async def _session_reminder(self, session_id: int, now: datetime) -> None:
        session = await self.sessions.get(session_id)
        if session is None or session.tutor_id is None or session.starts_at <= now:
            return
        if not await self.sessions.mark_reminded(session_id):
            return
        if session.starts_at.astimezone(self.tz).date() <= now.astimezone(self.tz).date():
            # Approved for today after yesterday's reminder time: "завтра" would be wrong, and
            # the approval message itself told the tutor.
            return
        request = await self.requests.get(session.request_id or 0)
        topic = await request_cards.topic_title(self.delivery.db, session.topic_code)
        text = texts.REQ_NOTE_TOMORROW.format(
            when=request_cards.when(session.starts_at, self.tz),
            id=request.id if request else session_id,
            topic=texts.escape(topic),
            format=texts.FORMAT_TITLES.get(session.format.value, ""),
            place=texts.escape(session.place),
        )
        await request_cards.to_tutor(self.delivery.db, session.tutor_id, text)
        self.delivery.kick()
