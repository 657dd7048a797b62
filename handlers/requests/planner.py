"""The requests' scheduled work: a request nobody acted on for ``sla_days`` working days goes
to the queue again, and a tutor hears about tomorrow's session the day before. Both still
matter however late: a moment that passed while the bot was down is still owed."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import ui
from bot.delivery import Delivery
from bot.scheduler import Due
from bot.settings import Settings
from catalog.requests import day_before
from handlers.requests import service, texts
from storage.announcements import Render
from storage.catalog import CatalogRepo
from storage.requests import RequestRepo, SessionRepo

log = logging.getLogger(__name__)

# When tutors hear about tomorrow's session.
SESSION_REMINDER_AT = time(15, 0)


class RequestPlanner:
    name = service.PLANNER

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
            if (due := service.sla_due(r.id, r.touched_at, self.sla_days, self.tz)).at <= end:
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
        await service.to_queue(
            self.delivery.db, self.staff_chat_id, request_id, texts.sla_headline(self.sla_days)
        )
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
        titles = await CatalogRepo(self.delivery.db).topic_titles()
        topic = titles.get(session.topic_code, session.topic_code)
        text = texts.NOTE_TOMORROW.format(
            when=texts.when(session.starts_at, self.tz),
            id=request.id if request else session_id,
            topic=ui.escape(ui.shorten(topic, 100)),
            format=texts.FORMAT_TITLES.get(session.format.value, ""),
            place=ui.escape(ui.shorten(session.place, 300)),
        )
        await self.delivery.tell([session.tutor_id], text, Render.REQUEST_SESSION, str(session.id))


def planner(settings: Settings, delivery: Delivery) -> RequestPlanner:
    return RequestPlanner(delivery, settings.tz, settings.request_sla_days, settings.staff_chat_id)
