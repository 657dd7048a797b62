"""The admins' Monday digest of last week, as a planner for ``bot.scheduler``: it only puts the
digest into the outbox; the chart is drawn by the renderer when the first copy goes out."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.delivery import Delivery
from bot.scheduler import Due
from handlers.stats import service
from storage.announcements import AnnouncementRepo, Content, Kind, Render, Targets
from storage.users import UserRepo
from storage.vks import VksRepo

log = logging.getLogger(__name__)

# Mondays at 09:00. A digest that could not go out then (the bot was down) still goes the same
# day, and is dropped after that: by Tuesday it is old news.
DIGEST_AT = time(9, 0)
DIGEST_LATEST = timedelta(hours=12)
# The digest's once-only mark shares the VKS reminders' table: (its Monday, this key).
DIGEST_KEY = "digest"


class DigestPlanner:
    """The admins' Monday digest of last week, with its chart."""

    name = "digest"

    def __init__(self, delivery: Delivery, tz: ZoneInfo, enabled: bool) -> None:
        self.delivery = delivery
        self.tz = tz
        self.enabled = enabled
        self.marks = VksRepo(delivery.db)
        self.outbox = AnnouncementRepo(delivery.db)

    async def due(self, start: datetime, end: datetime) -> list[Due]:
        found: list[Due] = []
        if not self.enabled:
            return found
        monday = (end - DIGEST_LATEST).astimezone(self.tz).date()
        monday -= timedelta(days=monday.weekday())
        while (at := datetime.combine(monday, DIGEST_AT, tzinfo=self.tz)) <= end:
            # The one a restart may still owe is at most DIGEST_LATEST old, whatever ``start``.
            if at > start or at >= end - DIGEST_LATEST:
                key = f"digest:{monday.isoformat()}"
                found.append(Due(at, key, self.name, (monday.isoformat(),)))
            monday += timedelta(weeks=1)
        return found

    async def done(self, item: Due) -> bool:
        return DIGEST_KEY in await self.marks.outcomes(date.fromisoformat(item.ref[0]))

    def catches_up(self, item: Due) -> bool:
        # Run however late; run() drops it once it is old news.
        return True

    async def too_late(self, item: Due, now: datetime, grace: timedelta) -> bool:
        return False

    async def missed(self, item: Due) -> None:
        return None

    async def run(self, item: Due, now: datetime) -> None:
        """Last week in one message with the trend chart, to every admin who has not switched
        it off. The caption is written now; the chart is drawn when the first copy is sent."""
        monday = date.fromisoformat(item.ref[0])
        if now - item.at > DIGEST_LATEST:
            await self.marks.record_outcome(monday, DIGEST_KEY, "missed")
            log.warning("weekly digest of %s dropped: the bot was down until %s", monday, now)
            return
        readers = await UserRepo(self.delivery.db).digest_readers()
        if not readers:
            await self.marks.record_outcome(monday, DIGEST_KEY, "missed")
            log.info("weekly digest of %s: every admin has switched it off", monday)
            return
        week = service.last_week(monday)
        caption = await service.digest_caption(self.delivery.db, self.tz, week)
        created = await self.outbox.create(
            Kind.NOTICE,
            Content(text=caption, render=Render.DIGEST, ref=week.start.isoformat()),
            Targets(users=tuple(readers)),
            once=(monday.isoformat(), DIGEST_KEY),
        )
        if created is not None:
            log.info("weekly digest queued for %d admin(s)", created[1])
            self.delivery.kick()


def planner(delivery: Delivery, tz: ZoneInfo, enabled: bool) -> DigestPlanner:
    return DigestPlanner(delivery, tz, enabled)
