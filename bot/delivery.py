"""The delivery engine: the only code that sends one thing to many chats.

It drains the outbox under Telegram's limits (DESIGN.md §3): about 30 messages a second
overall, one a second into one chat, twenty a minute into one group. Every transient failure
is retried until it goes through: a 429 makes that chat alone wait the ``retry_after`` Telegram
asked for while the others go on; 5xx, an HTML error page from Telegram's front end (aiogram
raises ``ClientDecodeError`` for it), network errors and timeouts are retried with backoff.
Only a permanent answer fails a row, with its reason for the report: 403 (the chat or the
person is then marked inactive), a chat not found, a message too long. A group that became a
supergroup is followed to its new id and the message re-sent there.

Sends are made one at a time, and each outbox row is marked 'sending' before its request and
'sent' (with the message id) after it. A send whose answer never came (a dropped connection,
or a crash before the answer was recorded) is sent again, so nothing is lost; the copy it may
have left has an id Telegram never told us, and is counted so that a recall can say how many
copies it could not delete. Every id a row did get is kept, and a recall deletes them all.
One request at a time still leaves room for 30 a second: a send costs a few milliseconds
against a local server and under 35 ms against Telegram from the region.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardMarkup, InputFile, Message

from bot.flood import OWN_RETRIES, SentLastSecond
from bot.ui import counted, escape
from storage.announcements import (
    Announcement,
    AnnouncementRepo,
    Content,
    Kind,
    OutboxRow,
    Render,
    Targets,
)
from storage.chats import ChatRepo
from storage.db import Database
from storage.users import Role, UserRepo

log = logging.getLogger(__name__)

# A notice whose content.buttons is this plus a material id carries the admins' decision
# buttons for a material held for possible personal data.
HOLD_BUTTONS = "pdhold:"
DEFAULT_TZ = ZoneInfo("Europe/Moscow")

# The engine's own words: reasons kept with a row for the delivery report, and its notices.
DELIVERY_FORBIDDEN_CHAT = "бот удалён из чата или не может в нём писать"
DELIVERY_FORBIDDEN_USER = "пользователь заблокировал бота"
DELIVERY_REJECTED = "Telegram отклонил сообщение: {reason}"
DELIVERY_INTERNAL = "внутренняя ошибка ({reason})"
DELIVERY_NOT_PINNED = "доставлено, но не закреплено: нет права закреплять"
RECALL_FAILED = "не удалось удалить: {reason}"
CHAT_LOST = "⚠️ Бот больше не может писать в чат «{title}»: {reason}. Чат помечен неактивным."
NOTICE_REPEATED = "🔁 За последний час это повторилось ещё {count}. Последнее:\n\n{text}"
# Transient failures are retried until they go through, one second after the first, doubling
# up to this: an outage of Telegram's front end costs minutes, never the message.
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 300.0
BATCH = 200
UPLOADS_KEPT = 16
NOTICE_WINDOW = timedelta(hours=1)
IDLE_WAIT = 30.0


@dataclass(frozen=True, slots=True)
class Limits:
    """Our side of Telegram's limits, a little under them so that the jitter of the network
    never pushes a burst over the line."""

    per_second: float = 29.5
    # Telegram's own overall limit, counting every message the bot sends.
    overall: int = 30
    chat_interval: float = 1.05
    group_per_window: int = 20
    group_window: float = 61.0


@dataclass(frozen=True, slots=True)
class Rendered:
    """The message a row's content makes: HTML text (a caption under a photo or a document)
    and its keyboard."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    photo: str | InputFile | None = None
    document: str | None = None
    # A photo uploaded for the first recipient goes to the others by its file_id: the key the
    # engine keeps the file_id under (RenderContext.uploaded).
    upload_key: str = ""


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What a renderer may need besides the announcement."""

    bot_username: str
    tz: ZoneInfo
    # Photos already uploaded by this engine, by Rendered.upload_key.
    uploaded: Mapping[str, str]


Renderer = Callable[[Announcement, RenderContext], Awaitable[Rendered]]


async def plain(announcement: Announcement, ctx: RenderContext) -> Rendered:
    """The content as it is: a broadcast, a notice."""
    content = announcement.content
    return Rendered(content.text, photo=content.photo, document=content.document)


async def send_rendered(
    bot: Bot, chat_id: int, rendered: Rendered, thread: int | None = None
) -> Message:
    """Send one rendered message; a broadcast's preview uses this too, so it is exact."""
    caption = rendered.text or None
    if rendered.photo is not None:
        return await bot.send_photo(
            chat_id,
            rendered.photo,
            caption=caption,
            message_thread_id=thread,
            reply_markup=rendered.markup,
        )
    if rendered.document is not None:
        return await bot.send_document(
            chat_id,
            rendered.document,
            caption=caption,
            message_thread_id=thread,
            reply_markup=rendered.markup,
        )
    return await bot.send_message(
        chat_id, rendered.text, message_thread_id=thread, reply_markup=rendered.markup
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class Delivery:
    def __init__(
        self,
        db: Database,
        *,
        limits: Limits | None = None,
        clock: Callable[[], float] = time.monotonic,
        tz: ZoneInfo = DEFAULT_TZ,
        renderers: Mapping[Render, Renderer] | None = None,
    ) -> None:
        self.db = db
        self.tz = tz
        self.outbox = AnnouncementRepo(db)
        self.chats = ChatRepo(db)
        self.users = UserRepo(db)
        self.limits = limits or Limits()
        # ``clock`` paces the sends; which rows are due is read from the bot's one clock, the
        # database's, shared with the handlers and the scheduler.
        self.clock = clock
        self.now = db.now
        # Installed on the bot the engine starts with: every message it sends is counted.
        self.sent = SentLastSecond(clock)
        self._counting: Bot | None = None
        self._bot: Bot | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._resting = False
        self._next_send = 0.0
        self._chat_ready: dict[int, float] = {}
        self._group_sends: dict[int, deque[float]] = {}
        self._announcements: dict[int, Announcement] = {}
        self._bot_username = ""
        # Each kind of content is made into a message by its feature's renderer.
        self.renderers: dict[Render, Renderer] = {Render.PLAIN: plain, **(renderers or {})}
        # Photos uploaded once and sent on by file_id (a digest's chart), by upload key.
        self._uploaded: OrderedDict[str, str] = OrderedDict()

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self, bot: Bot) -> None:
        self._bot = bot
        if self._counting is not bot:
            bot.session.middleware(self.sent)
            self._counting = bot
        self._stopping = False
        resent = await self.outbox.reset_in_flight()
        if resent:
            log.warning("resuming delivery: %d message(s) interrupted by a restart", resent)
        try:
            self._bot_username = (await bot.me()).username or ""
        except Exception as e:  # the engine must run even if getMe hiccups once
            log.warning("getMe failed, deep-link buttons will be missing: %s", e)
        self._task = asyncio.create_task(self._run(), name="delivery")

    async def stop(self) -> None:
        """Finish the send in progress, then stop; pending rows wait for the next start."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @property
    def idle(self) -> bool:
        """Nothing is due now and nothing is being sent: the engine rests until a kick or the
        next scheduled row."""
        return self._task is None or (self._resting and not self._wake.is_set())

    def kick(self) -> None:
        """New rows are in the outbox: look now instead of at the next idle timeout."""
        self._wake.set()

    async def notify(
        self,
        role: Role,
        text: str,
        render: Render = Render.PLAIN,
        ref: str = "",
        *,
        about: str = "",
        person: int | None = None,
    ) -> None:
        """A service message to every admin (or methodologist and above), via the outbox."""
        people = await self.users.ids_at_least(role)
        if not people:
            log.warning("no one with role %s to notify", role.value)
            return
        await self.tell(people, text, render, ref, about=about, person=person)

    async def tell(
        self,
        people: list[int],
        text: str,
        render: Render = Render.PLAIN,
        ref: str = "",
        *,
        about: str = "",
        person: int | None = None,
    ) -> None:
        """A service message to these people, via the outbox. A notice ``about`` one thing
        (a chat, a person) goes at most once an hour; the repeats of that hour are summed up
        in one message at its end, so nobody can turn the bot's notices into spam. A notice
        that names a ``person`` is rewritten if they ask to be forgotten."""
        content = Content(text=text, render=render, ref=ref, about=person)
        targets = Targets(users=tuple(people))
        if about:
            await self.outbox.notice_once(about, content, targets, NOTICE_WINDOW, _summed_up)
        else:
            await self.outbox.create(Kind.NOTICE, content, targets)
        self.kick()

    # -- the loop ----------------------------------------------------------------------------

    async def _run(self) -> None:
        # This task's requests wait out their own 429s (see bot.flood).
        OWN_RETRIES.set(True)
        while not self._stopping:
            # Cleared before looking, not before sleeping: a kick that arrives while we drain
            # must still cut the next sleep short.
            self._wake.clear()
            try:
                worked = await self._drain_once()
                if not worked:
                    await self._report_finished()
                    await self._idle()
            except Exception:
                # The engine must outlive any one bad row or database hiccup.
                log.exception("delivery loop error; retrying in 5 s")
                await self._sleep(5.0)

    async def _drain_once(self) -> bool:
        rows = await self.outbox.due(_iso(self.now()), BATCH)
        worked = False
        for row in rows:
            if self._stopping:
                break
            if self._ready_at(row.chat_id) > self.clock():
                continue
            await self._pace()
            if self._stopping:
                break
            await self._process(row)
            worked = True
        if rows and not worked and not self._stopping:
            # Everything due is waiting for a chat's limit: sleep until the first frees up.
            wait = min(self._ready_at(r.chat_id) for r in rows) - self.clock()
            await self._sleep(max(wait, 0.01))
            return True
        return worked

    async def _idle(self) -> None:
        wait = IDLE_WAIT
        next_at = await self.outbox.next_due_at()
        if next_at == "":
            await self._sleep(0.05)  # a row became due between two looks
            return
        if next_at:
            delta = (datetime.fromisoformat(next_at) - self.now()).total_seconds()
            wait = min(wait, max(delta, 0.05))
        self._resting = True
        try:
            await self._sleep(wait)
        finally:
            self._resting = False

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    # -- limits ------------------------------------------------------------------------------

    def _ready_at(self, chat_id: int) -> float:
        ready = self._chat_ready.get(chat_id, 0.0)
        sends = self._group_sends.get(chat_id)
        if sends is not None:
            now = self.clock()
            while sends and sends[0] <= now - self.limits.group_window:
                sends.popleft()
            if len(sends) >= self.limits.group_per_window:
                ready = max(ready, sends[0] + self.limits.group_window)
        return ready

    async def _pace(self) -> None:
        interval = 1.0 / self.limits.per_second
        now = self.clock()
        if self._next_send > now:
            await asyncio.sleep(self._next_send - now)
        # People's answers share Telegram's limit: wait while the whole bot is at it (a second
        # at most, so a counter that stopped moving cannot hold the engine).
        for _ in range(20):
            if self.sent.count() < self.limits.overall:
                break
            await asyncio.sleep(0.05)
        # Anchored to the schedule rather than to when the loop woke up, so that timer jitter
        # does not add up over a long broadcast; a late start catches up one slot at most.
        self._next_send = max(self._next_send, self.clock() - interval) + interval

    def _count_send(self, chat_id: int) -> None:
        now = self.clock()
        self._chat_ready[chat_id] = now + self.limits.chat_interval
        if chat_id < 0:
            self._group_sends.setdefault(chat_id, deque()).append(now)
        if len(self._chat_ready) > 50_000:
            # Only recent sends matter for the limits; forget the rest.
            self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}

    # -- one row -----------------------------------------------------------------------------

    async def _announcement(self, announcement_id: int) -> Announcement | None:
        found = self._announcements.get(announcement_id)
        if found is None:
            found = await self.outbox.get(announcement_id)
            if found is not None:
                if len(self._announcements) > 256:
                    self._announcements.clear()
                self._announcements[announcement_id] = found
        return found

    async def _process(self, row: OutboxRow) -> None:
        announcement = await self._announcement(row.announcement_id)
        if announcement is None:
            await self.outbox.mark_failed(row.id, "announcement deleted")
            return
        if row.status == "recalling":
            await self._recall(row)
            return
        if row.status == "sent":
            await self._refresh(row, announcement)
            return
        if not await self.outbox.claim(row.id):
            return  # cancelled or recalled since the batch was read
        self._count_send(row.chat_id)
        try:
            message_id = await self._send(row, announcement)
        except TelegramMigrateToChat as e:
            await self._migrated(row, e.migrate_to_chat_id)
        except TelegramForbiddenError as e:
            await self._forbidden(row, e.message)
        except Exception as e:
            if _transient(e):
                if _may_have_delivered(e):
                    await self.outbox.note_unknown_copy(row.id)
                await self._wait(row, e)
            elif isinstance(e, TelegramAPIError):
                await self.outbox.mark_failed(row.id, DELIVERY_REJECTED.format(reason=e.message))
            else:
                log.exception("unexpected error sending outbox row %s", row.id)
                reason = DELIVERY_INTERNAL.format(reason=type(e).__name__)
                await self.outbox.mark_failed(row.id, reason)
        else:
            await self.outbox.mark_sent(row.id, message_id, row.chat_id)
            if announcement.pin and row.chat_id < 0:
                await self._pin(row, message_id)

    async def _wait(self, row: OutboxRow, error: Exception) -> None:
        """A transient failure: the row goes back to the queue, this chat waits."""
        if isinstance(error, TelegramRetryAfter):
            await self._retry_after(row, error.retry_after)
        else:
            await self._backoff(row, row.attempts + 1, _describe(error))

    async def _render(self, announcement: Announcement) -> Rendered:
        renderer = self.renderers.get(announcement.content.render, plain)
        context = RenderContext(self._bot_username, self.tz, self._uploaded)
        rendered: Rendered = await renderer(announcement, context)
        return rendered

    async def _send(self, row: OutboxRow, announcement: Announcement) -> int:
        assert self._bot is not None
        rendered = await self._render(announcement)
        sent = await send_rendered(self._bot, row.chat_id, rendered, row.thread_id or None)
        if rendered.upload_key and sent.photo:
            self._uploaded[rendered.upload_key] = sent.photo[-1].file_id
            while len(self._uploaded) > UPLOADS_KEPT:
                self._uploaded.popitem(last=False)
        message_id: int = sent.message_id
        return message_id

    async def _pin(self, row: OutboxRow, message_id: int) -> None:
        assert self._bot is not None
        try:
            await self._bot.pin_chat_message(row.chat_id, message_id)
        except Exception as e:
            log.info("could not pin in chat %s: %s", row.chat_id, e)
            await self.outbox.note_error(row.id, DELIVERY_NOT_PINNED)

    async def _recall(self, row: OutboxRow) -> None:
        """Delete the row's next copy; the row is done once every copy was tried."""
        assert self._bot is not None
        copies = await self.outbox.copies(row.id, to_recall=True)
        if not copies:
            await self.outbox.finish_recall(row.id)
            return
        message_id = copies[0]
        self._count_send(row.chat_id)
        try:
            await self._bot.delete_message(row.chat_id, message_id)
        except Exception as e:
            if _transient(e):
                await self._wait(row, e)
                return
            if not isinstance(e, TelegramAPIError):
                raise
            if "not found" in e.message:
                # Someone deleted it already: it is gone, which is what a recall wants.
                await self.outbox.copy_recalled(row.id, message_id)
            else:
                # Telegram lets bots delete group messages only for 48 hours.
                reason = RECALL_FAILED.format(reason=e.message)
                await self.outbox.copy_recalled(row.id, message_id, reason)
        else:
            await self.outbox.copy_recalled(row.id, message_id)
        if len(copies) == 1:
            await self.outbox.finish_recall(row.id)

    async def _refresh(self, row: OutboxRow, announcement: Announcement) -> None:
        """Edit every copy of a sent row to what its content renders to now."""
        assert self._bot is not None
        rendered = await self._render(announcement)
        if rendered.photo is not None or rendered.document is not None:
            await self.outbox.refreshed(row.id)  # only text messages are redrawn
            return
        for message_id in await self.outbox.copies(row.id, to_recall=True):
            self._count_send(row.chat_id)
            try:
                await self._bot.edit_message_text(
                    text=rendered.text,
                    chat_id=row.chat_id,
                    message_id=message_id,
                    reply_markup=rendered.markup,
                )
            except Exception as e:
                if _transient(e):
                    await self._wait(row, e)
                    return
                if not isinstance(e, TelegramAPIError):
                    raise
                # Not modified, too old to edit, or deleted by someone: nothing more to do.
                log.info("outbox row %s: copy %s not edited: %s", row.id, message_id, e.message)
        await self.outbox.refreshed(row.id)

    async def _retry_after(self, row: OutboxRow, seconds: int) -> None:
        log.warning("429 for chat %s: retry after %s s", row.chat_id, seconds)
        self._chat_ready[row.chat_id] = self.clock() + seconds
        not_before = self.now() + timedelta(seconds=seconds)
        await self.outbox.retry_later(row.id, _iso(not_before), f"429 retry after {seconds}")

    async def _backoff(self, row: OutboxRow, attempts: int, error: str) -> None:
        delay = min(FIRST_BACKOFF * 2.0 ** max(attempts - 1, 0), MAX_BACKOFF)
        log.warning("send to %s failed (%s); retry in %.0f s", row.chat_id, error, delay)
        not_before = self.now() + timedelta(seconds=delay)
        await self.outbox.retry_later(row.id, _iso(not_before), error)

    async def _migrated(self, row: OutboxRow, new_id: int) -> None:
        log.info("chat %s migrated to %s; following", row.chat_id, new_id)
        await self.chats.migrate(row.chat_id, new_id)
        await self.outbox.retarget(row.id, new_id)

    async def _forbidden(self, row: OutboxRow, reason: str) -> None:
        if row.chat_id < 0:
            await self.outbox.mark_failed(row.id, DELIVERY_FORBIDDEN_CHAT)
            if await self.chats.deactivate(row.chat_id, reason):
                chat = await self.chats.get(row.chat_id)
                title = chat.title if chat else str(row.chat_id)
                await self.notify(
                    Role.ADMIN,
                    CHAT_LOST.format(title=escape(title), reason=reason),
                    about=f"chat-lost:{row.chat_id}",
                )
        else:
            await self.outbox.mark_failed(row.id, DELIVERY_FORBIDDEN_USER)
            await self.chats.set_user_blocked(row.chat_id, True)

    # -- reports -----------------------------------------------------------------------------

    async def _report_finished(self) -> None:
        """A broadcast whose rows are all done (or all recalled) gets its report to its
        author, through the outbox like every notice (Render.DELIVERY_REPORT)."""
        for announcement in await self.outbox.finish_completed():
            self._announcements.pop(announcement.id, None)
            if announcement.kind is not Kind.BROADCAST or announcement.created_by is None:
                continue
            await self.outbox.create(
                Kind.NOTICE,
                Content(render=Render.DELIVERY_REPORT, ref=str(announcement.id)),
                Targets(users=(announcement.created_by,)),
            )
            self.kick()


def _summed_up(held: int, latest: Content) -> Content:
    repeats = counted(held, "раз", "раза", "раз")
    return replace(latest, text=NOTICE_REPEATED.format(count=repeats, text=latest.text))


def _transient(error: Exception) -> bool:
    """An answer that says nothing about the message itself: try again later."""
    if isinstance(error, TelegramEntityTooLarge):
        return False  # a network error by class, but the file will never fit
    return isinstance(
        error,
        TelegramRetryAfter
        | TelegramServerError
        | TelegramNetworkError
        | TelegramUnauthorizedError  # a revoked token: nothing goes until it is replaced
        | ClientDecodeError  # an HTML error page from Telegram's front end
        | aiohttp.ClientError
        | TimeoutError,
    )


def _may_have_delivered(error: Exception) -> bool:
    """The request may have reached Telegram and its answer been lost on the way back."""
    if isinstance(error, TelegramNetworkError) and isinstance(
        error.__cause__, aiohttp.ClientConnectorError
    ):
        return False  # no connection was ever made
    return isinstance(error, TelegramNetworkError | aiohttp.ClientError | TimeoutError)


def _describe(error: Exception) -> str:
    if isinstance(error, ClientDecodeError):
        return f"{type(error).__name__}: {error.message}"
    return f"{type(error).__name__}: {error}"
