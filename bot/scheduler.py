"""APScheduler 3 wiring, knowing no feature. The database is the source of truth: each feature
registers a ``Planner`` that reads its moments from the database (VKS reminders, scheduled
broadcasts, requests waiting, the digest); at start-up, every hour and whenever a
methodologist changes something, the jobs are rebuilt from them. A job only moves rows into
the outbox.

The missed-run rule is ours, not APScheduler's: if the bot was down at a scheduled moment, the
moment is run once at start-up when it is at most ``grace`` late (or its planner says it still
matters however late), and otherwise handed to its planner as missed, which records it and
tells the methodologists. APScheduler's own misfire grace is set to the same ``grace`` (never
its 1-second default), and every job is safe to run twice.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery import Delivery
from bot.ui import escape
from storage import backups
from storage.clock import system_clock
from storage.settings import SettingsRepo
from storage.users import Role

log = logging.getLogger(__name__)

HORIZON = timedelta(days=35)
BACKUP_JOB = "backup"
# A newest backup older than this at start-up means last night's was missed.
BACKUP_STALE = 26 * 3600
BACKUP_CATCH_UP = timedelta(minutes=5)
BACKUP_FAILED = "⚠️ Ночная резервная копия не создана: {reason}. Проверьте место на диске и журнал."
DRIVEN_TICK = 3
LAST_TICK = "scheduler.last_tick"
# How far back a restart looks for missed moments, whatever the last tick says.
LOOKBACK = timedelta(days=7)
CATCH_UP_DELAY = timedelta(seconds=2)
STANDING = ("heartbeat", "driven-tick")


@dataclass(frozen=True, slots=True)
class Due:
    """One scheduled moment: when, its stable job id, the planner it belongs to, and what
    that planner needs to find its row again."""

    at: datetime
    key: str
    planner: str
    ref: tuple[str, ...] = field(default=())


class Planner(Protocol):
    """A feature's scheduled work, read from the database."""

    name: str

    async def due(self, start: datetime, end: datetime) -> list[Due]:
        """Every moment in (start, end]; and moments still owed from before ``start``."""

    async def done(self, item: Due) -> bool:
        """The database says it was done (or no longer applies)."""

    def catches_up(self, item: Due) -> bool:
        """Still worth doing however late: run it at once instead of calling it missed."""

    async def too_late(self, item: Due, now: datetime, grace: timedelta) -> bool:
        """Past its use: the bot was down for longer than ``grace``, or it no longer fits."""

    async def run(self, item: Due, now: datetime) -> None:
        """Do it: decide and put rows into the outbox."""

    async def missed(self, item: Due) -> None:
        """Record that it was not done, and tell whom it concerns."""


@dataclass(frozen=True, slots=True)
class BackupPlan:
    folder: Path
    keep: int
    at: time


class Scheduler:
    def __init__(
        self,
        delivery: Delivery,
        tz: ZoneInfo,
        planners: Sequence[Planner] = (),
        *,
        grace: timedelta = timedelta(minutes=60),
        clock: Callable[[], datetime] = system_clock,
        backup: BackupPlan | None = None,
    ) -> None:
        self.delivery = delivery
        self.tz = tz
        self.planners = {p.name: p for p in planners}
        self.backup = backup
        self.grace = grace
        self.clock = clock
        self.settings = SettingsRepo(delivery.db)
        self.aps = AsyncIOScheduler(
            timezone=tz,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": int(grace.total_seconds()),
            },
        )

    async def start(self) -> None:
        await self.run_due(self.clock())
        await self.rebuild()
        self.aps.add_job(
            self._heartbeat,
            IntervalTrigger(minutes=1, timezone=self.tz),
            id="heartbeat",
            replace_existing=True,
        )
        if self.clock is not system_clock:
            # A driven clock (soak tests): the moments it passes are run from here, because
            # APScheduler's own triggers follow the real one.
            self.aps.add_job(
                self._driven_tick,
                IntervalTrigger(seconds=DRIVEN_TICK, timezone=self.tz),
                id="driven-tick",
                replace_existing=True,
            )
        if self.backup is not None and self.backup.keep > 0:
            at = self.backup.at
            self.aps.add_job(
                self.run_backup,
                CronTrigger(hour=at.hour, minute=at.minute, timezone=self.tz),
                id=BACKUP_JOB,
                replace_existing=True,
            )
            last = backups.newest(self.backup.folder)
            if last is not None and self.clock().timestamp() - last.stat().st_mtime > BACKUP_STALE:
                # The bot was down at backup time: make up for it once things have settled.
                self.aps.add_job(
                    self.run_backup,
                    DateTrigger(self.clock() + BACKUP_CATCH_UP),
                    id=f"{BACKUP_JOB}:catch-up",
                    replace_existing=True,
                )
        self.aps.start()

    def shutdown(self) -> None:
        if self.aps.running:
            self.aps.shutdown(wait=False)

    def schedule(self, item: Due, *, replacing: str = "") -> None:
        """Add one moment's job at once (a request just sent), dropping the other jobs whose
        ids start with ``replacing`` (the reminder of its earlier version). Rebuilding every
        job instead read and walked the whole queue on every request a tutor sent."""
        if replacing:
            for job in self.aps.get_jobs():
                if job.id.startswith(replacing) and job.id != item.key:
                    with contextlib.suppress(JobLookupError):
                        self.aps.remove_job(job.id)
        self._add(item, self.clock())

    async def due_between(self, start: datetime, end: datetime) -> list[Due]:
        found = [d for p in self.planners.values() for d in await p.due(start, end)]
        found.sort(key=lambda d: d.at)
        return found

    async def upcoming(self, days: int) -> list[Due]:
        """What is still to be done in the next ``days`` (for the doctor)."""
        now = self.clock()
        return [
            d
            for d in await self.due_between(now, now + timedelta(days=days))
            if d.at > now and not await self.planners[d.planner].done(d)
        ]

    async def rebuild(self) -> int:
        """Replace every moment job with what the database says now; returns how many."""
        now = self.clock()
        # Moments already past are run_due's business (the missed-run rule), not a job's,
        # except those that catch up: they run in a moment.
        items = [
            i
            for i in await self.due_between(now, now + HORIZON)
            if i.at > now or self.planners[i.planner].catches_up(i)
        ]
        wanted = {item.key for item in items}
        jobs_now = {job.id: job for job in self.aps.get_jobs()}
        for job in jobs_now.values():
            # The heartbeats and the backup are not moments from the database: they stay.
            standing = job.id in STANDING or job.id.startswith(BACKUP_JOB)
            if not standing and job.id not in wanted:
                with contextlib.suppress(JobLookupError):
                    self.aps.remove_job(job.id)
        for item in items:
            self._add(item, now, jobs_now.get(item.key))
        return len(items)

    def _add(self, item: Due, now: datetime, job: Job | None = None) -> None:
        when = max(item.at, now + CATCH_UP_DELAY)
        if (
            job is not None
            and tuple(job.args) == (item,)
            and isinstance(job.trigger, DateTrigger)
            and job.trigger.run_date == when
        ):
            # Unchanged. Replacing a job costs APScheduler a tenth of a millisecond, and every
            # waiting request has one.
            return
        self.aps.add_job(
            self._fire, DateTrigger(when), args=[item], id=item.key, replace_existing=True
        )

    async def run_backup(self) -> Path | None:
        """The nightly backup; a failure is logged and told to the admins, never raised."""
        assert self.backup is not None
        try:
            made = await backups.nightly(
                self.delivery.db, self.backup.folder, self.backup.keep, self.clock()
            )
        except Exception as e:
            log.exception("nightly backup failed")
            await self.delivery.notify(Role.ADMIN, BACKUP_FAILED.format(reason=escape(str(e))))
            return None
        log.info("nightly backup written to %s", made)
        return made

    def next_runs(self) -> list[tuple[str, datetime]]:
        return sorted(
            ((j.id, j.next_run_time) for j in self.aps.get_jobs() if j.next_run_time),
            key=lambda pair: pair[1],
        )

    async def _fire(self, item: Due) -> None:
        await self._run_one(item, self.clock())

    async def _driven_tick(self) -> None:
        await self.run_due(self.clock())

    async def _heartbeat(self) -> None:
        now = self.clock()
        await self.settings.put(LAST_TICK, now.isoformat())
        # Keep a five-week horizon of jobs as the weeks roll by.
        if now.minute == 0:
            await self.rebuild()

    async def run_due(self, now: datetime) -> int:
        """Run every moment in (last tick, now] that has not been done, under the missed-run
        rule, then move the last tick to ``now``. Start-up calls it; tests drive the clock
        through it. Returns how many moments it looked at."""
        raw = await self.settings.get(LAST_TICK)
        since = datetime.fromisoformat(raw) if raw else now
        since = max(since, now - LOOKBACK)
        items = await self.due_between(since, now)
        for item in items:
            await self._run_one(item, now)
        await self.settings.put(LAST_TICK, now.isoformat())
        return len(items)

    async def _run_one(self, item: Due, now: datetime) -> None:
        planner = self.planners.get(item.planner)
        if planner is None:
            return
        try:
            if await planner.done(item):
                return
            if not planner.catches_up(item) and await planner.too_late(item, now, self.grace):
                await planner.missed(item)
                log.warning("skipped %s: it was due at %s", item.key, item.at.isoformat())
                return
            late = now - item.at
            if late > timedelta(seconds=5):
                log.info("running %s %.0f s late", item.key, late.total_seconds())
            await planner.run(item, now)
        except Exception:
            # One failed moment must not stop the others or the scheduler.
            log.exception("scheduled job %s failed", item.key)
