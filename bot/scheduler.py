"""APScheduler 3 wiring. The database is the source of truth: at start-up, every hour, and
whenever a methodologist changes something, the jobs are rebuilt from it; a request a tutor
sends adds its own reminder. A job only moves rows into the outbox (``bot.jobs``).

The missed-run rule is ours, not APScheduler's: if the bot was down at a scheduled moment, the
moment is run once at start-up when it is at most ``grace`` late, and otherwise skipped and
reported to the methodologists. A VKS reminder is also skipped once the VKS has started: "in 30
minutes" read after the start would mislead. APScheduler's own misfire grace is set to the
same ``grace`` (never its 1-second default), and every job is safe to run twice.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import jobs, texts
from bot.delivery import Delivery
from bot.jobs import Due, JobContext
from storage import backups
from storage.clock import system_clock
from storage.users import Role

log = logging.getLogger(__name__)

HORIZON = timedelta(days=35)
BACKUP_JOB = "backup"
# A newest backup older than this at start-up means last night's was missed.
BACKUP_STALE = 26 * 3600
BACKUP_CATCH_UP = timedelta(minutes=5)
DRIVEN_TICK = 3
LAST_TICK = "scheduler.last_tick"
# How far back a restart looks for missed moments, whatever the last tick says.
LOOKBACK = timedelta(days=7)
CATCH_UP_DELAY = timedelta(seconds=2)


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
        *,
        grace: timedelta = timedelta(minutes=60),
        clock: Callable[[], datetime] = system_clock,
        sla_days: int = 2,
        staff_chat_id: int | None = None,
        digest: bool = True,
        backup: BackupPlan | None = None,
    ) -> None:
        self.ctx = JobContext(delivery, tz, sla_days, staff_chat_id, digest)
        self.backup = backup
        self.grace = grace
        self.clock = clock
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
            IntervalTrigger(minutes=1, timezone=self.ctx.tz),
            id="heartbeat",
            replace_existing=True,
        )
        if self.clock is not system_clock:
            # A driven clock (soak tests): the moments it passes are run from here, because
            # APScheduler's own triggers follow the real one.
            self.aps.add_job(
                self._driven_tick,
                IntervalTrigger(seconds=DRIVEN_TICK, timezone=self.ctx.tz),
                id="driven-tick",
                replace_existing=True,
            )
        if self.backup is not None and self.backup.keep > 0:
            at = self.backup.at
            self.aps.add_job(
                self.run_backup,
                CronTrigger(hour=at.hour, minute=at.minute, timezone=self.ctx.tz),
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

    def request_waiting(self, request_id: int, touched: str) -> None:
        """Schedule the SLA reminder of a request just sent or sent again, and drop the one
        its earlier version had. Rebuilding every job instead read and walked the whole
        queue on every request a tutor sent."""
        due = jobs.sla_due(self.ctx, request_id, touched)
        stale = f"sla:{request_id}:"
        for job in self.aps.get_jobs():
            if job.id.startswith(stale) and job.id != due.key:
                with contextlib.suppress(JobLookupError):
                    self.aps.remove_job(job.id)
        self._add(due, self.clock())

    async def rebuild(self) -> int:
        """Replace every moment job with what the database says now; returns how many."""
        now = self.clock()
        # Moments already past are run_due's business (the missed-run rule), not a job's,
        # except those that catch up: they run in a moment.
        items = [
            i
            for i in await jobs.due_between(self.ctx, now, now + HORIZON)
            if i.at > now or i.catches_up
        ]
        wanted = {item.key for item in items}
        jobs_now = {job.id: job for job in self.aps.get_jobs()}
        for job in jobs_now.values():
            # The heartbeats and the backup are not moments from the database: they stay.
            standing = job.id in ("heartbeat", "driven-tick") or job.id.startswith(BACKUP_JOB)
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
                self.ctx.delivery.db, self.backup.folder, self.backup.keep, self.clock()
            )
        except Exception as e:
            log.exception("nightly backup failed")
            await self.ctx.delivery.notify(
                Role.ADMIN, texts.BACKUP_FAILED.format(reason=texts.escape(str(e)))
            )
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
        await self.ctx.vks.put_setting(LAST_TICK, now.isoformat())
        # Keep a five-week horizon of jobs as the weeks roll by.
        if now.minute == 0:
            await self.rebuild()

    async def run_due(self, now: datetime) -> int:
        """Run every moment in (last tick, now] that has not been done, under the missed-run
        rule, then move the last tick to ``now``. Start-up calls it; tests drive the clock
        through it. Returns how many moments it looked at."""
        raw = await self.ctx.vks.get_setting(LAST_TICK)
        since = datetime.fromisoformat(raw) if raw else now
        since = max(since, now - LOOKBACK)
        items = await jobs.due_between(self.ctx, since, now)
        for item in items:
            await self._run_one(item, now)
        await self.ctx.vks.put_setting(LAST_TICK, now.isoformat())
        return len(items)

    async def _run_one(self, item: Due, now: datetime) -> None:
        try:
            if await jobs.is_done(self.ctx, item):
                return
            if item.catches_up:
                await jobs.run(self.ctx, item, now)
                return
            late = now - item.at
            started = item.day is not None and jobs.vks_started(
                await self.ctx.vks.slot(), item.day, self.ctx.tz, now
            )
            if (late > self.grace or started) and not await jobs.skipped_anyway(self.ctx, item):
                await jobs.skip_missed(self.ctx, item)
                return
            if late > timedelta(seconds=5):
                log.info("running %s %.0f s late", item.key, late.total_seconds())
            await jobs.run(self.ctx, item, now)
        except Exception:
            # One failed moment must not stop the others or the scheduler.
            log.exception("scheduled job %s failed", item.key)
