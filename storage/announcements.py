"""Announcements and their outbox: what to say, to whom, and what became of every send.

An announcement and its outbox rows are written in one transaction. Only the delivery engine
(``bot.delivery``) reads the outbox and sends; everything else just writes rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from storage.db import Database


class Kind(StrEnum):
    BROADCAST = "broadcast"
    VKS = "vks"
    RECORDING = "recording"
    NOTICE = "notice"  # service messages to admins or methodologists


class Status(StrEnum):
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    DONE = "done"
    CANCELLED = "cancelled"
    MISSED = "missed"
    RECALLED = "recalled"


class Render(StrEnum):
    """How the delivery engine turns a row's content into the message it sends: the feature
    that owns each kind registers its renderer (``bot.delivery.Renderer``)."""

    PLAIN = "plain"  # the content as it is
    VKS_POST = "vks_post"  # a VKS reminder with its attendance and calendar buttons
    MATERIAL_LINK = "material_link"  # with a button that opens the material (ref: its id)
    PD_HOLD = "pd_hold"  # a held material's card for the admins (ref: its id)
    REQUEST_CARD = "request_card"  # a request's card, drawn from the database (ref: its id)
    REQUEST_FIX = "request_fix"  # a note to the tutor with «Исправить» (ref: the request)
    # A note to the tutor about their session, with its link and «📅 В календарь» (ref: the
    # session's id).
    REQUEST_SESSION = "request_session"
    DIGEST = "digest"  # the weekly digest with its chart (ref: the week's Monday)
    DELIVERY_REPORT = "delivery_report"  # a broadcast's report to its author (ref: its id)


@dataclass(frozen=True, slots=True)
class Content:
    """HTML text, or a photo or document (by file_id) with an optional HTML caption, and the
    renderer that makes the message of it at send time."""

    text: str = ""
    photo: str | None = None
    document: str | None = None
    render: Render = Render.PLAIN
    ref: str = ""
    # The person a notice names (who asked for a material): /forget rewrites it.
    about: int | None = None

    @property
    def is_media(self) -> bool:
        return bool(self.photo or self.document)

    def dumps(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def loads(cls, raw: str) -> Content:
        data = json.loads(raw)
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["render"] = Render(fields.get("render") or Render.PLAIN)
        return cls(**fields)


@dataclass(frozen=True, slots=True)
class Targets:
    """Whom an announcement goes to. Empty ``topics`` with ``all_chats`` means every active
    chat; ``subscribers`` adds people subscribed (to ``topics``, or to anything)."""

    all_chats: bool = False
    topics: tuple[str, ...] = ()
    chats: tuple[int, ...] = ()
    subscribers: bool = False
    users: tuple[int, ...] = ()

    def dumps(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def loads(cls, raw: str) -> Targets:
        data = json.loads(raw or "{}")
        return cls(
            all_chats=bool(data.get("all_chats")),
            topics=tuple(data.get("topics") or ()),
            chats=tuple(int(c) for c in data.get("chats") or ()),
            subscribers=bool(data.get("subscribers")),
            users=tuple(int(u) for u in data.get("users") or ()),
        )

    @property
    def is_empty(self) -> bool:
        return not (self.all_chats or self.topics or self.chats or self.subscribers or self.users)


@dataclass(frozen=True, slots=True)
class Announcement:
    id: int
    kind: Kind
    content: Content
    targets: Targets
    pin: bool
    vks_date: str | None
    status: Status
    scheduled_at: str | None
    created_by: int | None
    created_at: str
    finished_at: str | None
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    announcement_id: int
    chat_id: int
    thread_id: int
    status: str
    attempts: int
    message_id: int | None = None
    # A sent row whose messages must be edited to what its content renders to now.
    refresh: bool = False


@dataclass(frozen=True, slots=True)
class ReportLine:
    chat_id: int
    thread_id: int
    title: str
    status: str
    error: str | None
    # Copies in the chat: those whose id we know, those a recall deleted, and those whose
    # answer never came (a copy may exist that nobody can delete).
    copies: int = 0
    deleted: int = 0
    unknown: int = 0


def _announcement(row: sqlite3.Row, counts: dict[str, int] | None = None) -> Announcement:
    return Announcement(
        id=row["id"],
        kind=Kind(row["kind"]),
        content=Content.loads(row["content"]),
        targets=Targets.loads(row["targets"]),
        pin=bool(row["pin"]),
        vks_date=row["vks_date"],
        status=Status(row["status"]),
        scheduled_at=row["scheduled_at"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        counts=counts or {},
    )


def _outbox(row: sqlite3.Row) -> OutboxRow:
    return OutboxRow(
        id=row["id"],
        announcement_id=row["announcement_id"],
        chat_id=row["chat_id"],
        thread_id=row["thread_id"],
        status=row["status"],
        attempts=row["attempts"],
        message_id=row["message_id"],
        refresh=bool(row["refresh"]),
    )


def _resolve(conn: sqlite3.Connection, targets: Targets) -> list[tuple[int, int]]:
    """(chat_id, thread_id) for every target, resolved against the registry right now."""
    found: dict[tuple[int, int], None] = {}

    def add(sql: str, params: list[Any]) -> None:
        for r in conn.execute(sql, params).fetchall():
            found[(int(r[0]), int(r[1]))] = None

    if targets.all_chats:
        add("SELECT id, 0 FROM chats WHERE active = 1 AND type != 'private' ORDER BY id", [])
    elif targets.topics:
        marks = ",".join("?" * len(targets.topics))
        add(
            f"""
            SELECT DISTINCT b.chat_id, b.thread_id FROM chat_bindings b
            JOIN chats c ON c.id = b.chat_id
            WHERE c.active = 1 AND b.topic_code IN ({marks})
            ORDER BY b.chat_id, b.thread_id
            """,  # noqa: S608 - placeholders only
            list(targets.topics),
        )
    if targets.chats:
        marks = ",".join("?" * len(targets.chats))
        add(
            f"SELECT id, 0 FROM chats WHERE active = 1 AND id IN ({marks}) ORDER BY id",  # noqa: S608
            list(targets.chats),
        )
    if targets.subscribers:
        if targets.topics and not targets.all_chats:
            marks = ",".join("?" * len(targets.topics))
            where, params = f"s.topic_code IN ({marks})", list(targets.topics)
        else:
            where, params = "1", []
        add(
            f"""
            SELECT DISTINCT s.user_id, 0 FROM subscriptions s JOIN users u ON u.id = s.user_id
            WHERE u.blocked_at IS NULL AND {where} ORDER BY s.user_id
            """,  # noqa: S608 - a constant fragment and placeholders
            params,
        )
    for user_id in targets.users:
        found[(user_id, 0)] = None
    return list(found)


class AnnouncementRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def count_targets(self, targets: Targets) -> int:
        return await self.db.write(lambda conn: len(_resolve(conn, targets)))

    async def create(
        self,
        kind: Kind,
        content: Content,
        targets: Targets,
        *,
        created_by: int | None = None,
        pin: bool = False,
        vks_date: str | None = None,
        scheduled_at: str | None = None,
        once: tuple[str, str] | None = None,
    ) -> tuple[int, int] | None:
        """Write an announcement and, unless it is scheduled, one outbox row per target.

        ``once`` = (VKS date, reminder key) records the reminder as sent in the same
        transaction; if it was already recorded nothing is written and None is returned.
        Returns (announcement id, number of outbox rows).
        """
        try:
            return await self._create(
                kind, content, targets, created_by, pin, vks_date, scheduled_at, once
            )
        except _AlreadyDoneError:
            return None

    async def _create(
        self,
        kind: Kind,
        content: Content,
        targets: Targets,
        created_by: int | None,
        pin: bool,
        vks_date: str | None,
        scheduled_at: str | None,
        once: tuple[str, str] | None,
    ) -> tuple[int, int]:
        now = self.db.stamp()
        status = Status.SCHEDULED if scheduled_at else Status.QUEUED

        # One trip to the writer's thread: a request sent queues its card through here, and
        # the write lock was held over four trips while others queued behind it.
        def run(conn: sqlite3.Connection) -> tuple[int, int]:
            cur = conn.execute(
                "INSERT INTO announcements (kind, content, targets, pin, vks_date, status,"
                " scheduled_at, created_by, created_at, queued_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    kind.value,
                    content.dumps(),
                    targets.dumps(),
                    int(pin),
                    vks_date,
                    status.value,
                    scheduled_at,
                    created_by,
                    now,
                    None if scheduled_at else now,
                ),
            )
            announcement_id = cur.lastrowid
            assert announcement_id is not None
            if once is not None:
                cur = conn.execute(
                    "INSERT OR IGNORE INTO vks_reminders"
                    " (date, offset_key, outcome, announcement_id, at) VALUES (?, ?, 'sent', ?, ?)",
                    (once[0], once[1], announcement_id, now),
                )
                if cur.rowcount == 0:
                    raise _AlreadyDoneError
            rows = 0 if scheduled_at else _insert_rows(conn, announcement_id, targets)
            return announcement_id, rows

        return await self.db.write(run)

    async def notice_once(
        self,
        key: str,
        content: Content,
        targets: Targets,
        window: timedelta,
        summary: Callable[[int, Content], Content],
    ) -> bool:
        """A notice about ``key`` (a chat, a person), sent now unless one went less than
        ``window`` ago. Then it is held: ``summary(held, content)`` (how many were held, the
        latest) goes at the end of the window instead. True if it was sent now."""

        def run(conn: sqlite3.Connection) -> bool:
            moment = self.db.now()
            now = moment.isoformat(timespec="seconds")
            mark = conn.execute(
                "SELECT since, held, summary_id FROM notice_marks WHERE key = ?", (key,)
            ).fetchone()
            if mark is None or datetime.fromisoformat(mark["since"]) <= moment - window:
                conn.execute(
                    "INSERT INTO notice_marks (key, since) VALUES (?, ?) ON CONFLICT (key)"
                    " DO UPDATE SET since = excluded.since, held = 0, summary_id = NULL",
                    (key, now),
                )
                _insert_notice(conn, content, targets, now, None)
                return True
            held = mark["held"] + 1
            summed = summary(held, content).dumps()
            summary_id = mark["summary_id"]
            if summary_id is None:
                ends = datetime.fromisoformat(mark["since"]) + window
                summary_id = _insert_notice(
                    conn, Content.loads(summed), targets, now, ends.isoformat(timespec="seconds")
                )
            else:
                conn.execute(
                    "UPDATE announcements SET content = ? WHERE id = ?", (summed, summary_id)
                )
            conn.execute(
                "UPDATE notice_marks SET held = ?, summary_id = ? WHERE key = ?",
                (held, summary_id, key),
            )
            return False

        return await self.db.write(run)

    async def release(self, announcement_id: int) -> int | None:
        """Queue a scheduled announcement now; None if it was no longer scheduled (already
        released, cancelled or missed), which makes a double release harmless."""

        def run(conn: sqlite3.Connection) -> int | None:
            found = conn.execute(
                "UPDATE announcements SET status = 'queued', queued_at = ?"
                " WHERE id = ? AND status = 'scheduled' RETURNING targets",
                (self.db.stamp(), announcement_id),
            ).fetchall()
            if not found:
                return None
            return _insert_rows(conn, announcement_id, Targets.loads(found[0]["targets"]))

        return await self.db.write(run)

    async def mark_missed(self, announcement_id: int) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE announcements SET status = 'missed', finished_at = ?"
                " WHERE id = ? AND status = 'scheduled'",
                (self.db.stamp(), announcement_id),
            )
            return cur.rowcount > 0

        return await self.db.write(run)

    async def scheduled(self) -> list[Announcement]:
        rows = await self.db.fetchall(
            "SELECT * FROM announcements WHERE status = 'scheduled' ORDER BY scheduled_at, id"
        )
        return [_announcement(r) for r in rows]

    async def get(self, announcement_id: int) -> Announcement | None:
        row = await self.db.fetchone("SELECT * FROM announcements WHERE id = ?", (announcement_id,))
        if row is None:
            return None
        return _announcement(row, await self._counts(announcement_id))

    async def _counts(self, announcement_id: int) -> dict[str, int]:
        rows = await self.db.fetchall(
            "SELECT status, COUNT(*) AS n FROM outbox WHERE announcement_id = ? GROUP BY status",
            (announcement_id,),
        )
        return {r["status"]: r["n"] for r in rows}

    async def recent(self, limit: int = 10) -> list[Announcement]:
        rows = await self.db.fetchall(
            "SELECT * FROM announcements WHERE kind != 'notice'"
            " ORDER BY COALESCE(scheduled_at, created_at) DESC, id DESC LIMIT ?",
            (limit,),
        )
        return [_announcement(r, await self._counts(r["id"])) for r in rows]

    async def cancel(self, announcement_id: int) -> bool:
        """Cancel a scheduled announcement, or the unsent rest of a queued one."""

        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE announcements SET status = 'cancelled', finished_at = ?"
                " WHERE id = ? AND status IN ('scheduled', 'queued')",
                (self.db.stamp(), announcement_id),
            )
            if cur.rowcount == 0:
                return False
            conn.execute(
                "UPDATE outbox SET status = 'cancelled'"
                " WHERE announcement_id = ? AND status = 'pending'",
                (announcement_id,),
            )
            return True

        return await self.db.write(run)

    async def recall(self, announcement_id: int) -> int | None:
        """Stop sending and queue the deletion of every copy sent; returns how many messages
        will be deleted, or None if there is nothing to recall."""

        def run(conn: sqlite3.Connection) -> int | None:
            cur = conn.execute(
                "UPDATE announcements SET status = 'recalled', finished_at = ?, reported = 0"
                " WHERE id = ? AND status IN ('queued', 'done')",
                (self.db.stamp(), announcement_id),
            )
            if cur.rowcount == 0:
                return None
            conn.execute(
                "UPDATE outbox SET status = 'cancelled'"
                " WHERE announcement_id = ? AND status = 'pending'",
                (announcement_id,),
            )
            conn.execute(
                "UPDATE outbox SET status = 'recalling', not_before = NULL, refresh = 0"
                " WHERE announcement_id = ? AND status = 'sent' AND EXISTS (SELECT 1 FROM"
                " outbox_messages m WHERE m.outbox_id = outbox.id AND m.recall IS NULL)",
                (announcement_id,),
            )
            row = conn.execute(
                "SELECT COUNT(*) FROM outbox_messages m JOIN outbox o ON o.id = m.outbox_id"
                " WHERE o.announcement_id = ? AND o.status = 'recalling' AND m.recall IS NULL",
                (announcement_id,),
            ).fetchone()
            return int(row[0])

        return await self.db.write(run)

    async def retry_failed(self, announcement_id: int) -> int:
        """Queue the failed rows of a finished announcement again («Повторить недоставленные»);
        returns how many. Its author gets a new report when they are done."""

        def run(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "UPDATE outbox SET status = 'pending', not_before = NULL, attempts = 0,"
                " error = NULL WHERE announcement_id = ? AND status = 'failed'"
                " AND EXISTS (SELECT 1 FROM announcements a WHERE a.id = ?"
                " AND a.status IN ('queued', 'done'))",
                (announcement_id, announcement_id),
            )
            if cur.rowcount:
                conn.execute(
                    "UPDATE announcements SET status = 'queued', finished_at = NULL,"
                    " reported = 0 WHERE id = ?",
                    (announcement_id,),
                )
            return cur.rowcount

        return await self.db.write(run)

    async def report(self, announcement_id: int) -> list[ReportLine]:
        rows = await self.db.fetchall(
            """
            SELECT o.chat_id, o.thread_id, o.status, o.error, o.unknown_copies,
                   COALESCE(c.title, TRIM(u.first_name || ' ' || COALESCE(u.last_name, '')), '')
                       AS title,
                   (SELECT COUNT(*) FROM outbox_messages m WHERE m.outbox_id = o.id) AS copies,
                   (SELECT COUNT(*) FROM outbox_messages m WHERE m.outbox_id = o.id
                       AND m.recall = 'deleted') AS deleted
            FROM outbox o
            LEFT JOIN chats c ON c.id = o.chat_id
            LEFT JOIN users u ON u.id = o.chat_id
            WHERE o.announcement_id = ?
            ORDER BY o.status = 'sent', o.id
            """,
            (announcement_id,),
        )
        return [
            ReportLine(
                r["chat_id"],
                r["thread_id"],
                r["title"] or "",
                r["status"],
                r["error"],
                copies=r["copies"],
                deleted=r["deleted"],
                unknown=r["unknown_copies"],
            )
            for r in rows
        ]

    # -- the delivery engine's side ---------------------------------------------------------

    async def backlog(self, failed_since: str) -> tuple[int, str | None, int]:
        """Rows waiting to be sent, when the oldest of their announcements was queued, and the
        failed rows of announcements created since ``failed_since``: what an operator looks
        at first."""
        waiting = await self.db.fetchone(
            "SELECT COUNT(*) AS n, MIN(a.queued_at) AS oldest FROM outbox o"
            " JOIN announcements a ON a.id = o.announcement_id"
            " WHERE o.status IN ('pending', 'sending', 'recalling')"
        )
        failed = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM outbox o JOIN announcements a ON a.id = o.announcement_id"
            " WHERE o.status = 'failed' AND a.created_at >= ?",
            (failed_since,),
        )
        assert waiting is not None
        assert failed is not None
        return int(waiting["n"]), waiting["oldest"], int(failed["n"])

    async def reset_in_flight(self) -> int:
        """After a crash: a row left 'sending' may or may not have reached Telegram. It is
        sent again, which is the one duplicate a crash may cost; the copy it may have left has
        an id nobody knows, and is counted as such."""
        return await self.db.write(
            lambda conn: (
                conn.execute(
                    "UPDATE outbox SET status = 'pending', unknown_copies = unknown_copies + 1"
                    " WHERE status = 'sending'"
                ).rowcount
            )
        )

    async def due(self, now: str, limit: int) -> list[OutboxRow]:
        rows = await self.db.fetchall(
            "SELECT * FROM outbox WHERE (status IN ('pending', 'recalling') OR refresh = 1)"
            " AND (not_before IS NULL OR not_before <= ?) ORDER BY id LIMIT ?",
            (now, limit),
        )
        return [_outbox(r) for r in rows]

    async def next_due_at(self) -> str | None:
        row = await self.db.fetchone(
            "SELECT MIN(COALESCE(not_before, '')) AS at FROM outbox"
            " WHERE status IN ('pending', 'recalling') OR refresh = 1"
        )
        return None if row is None or row["at"] is None else str(row["at"])

    async def claim(self, row_id: int) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1"
                " WHERE id = ? AND status = 'pending'",
                (row_id,),
            )
            return cur.rowcount > 0

        return await self.db.write(run)

    async def mark_sent(self, row_id: int, message_id: int, chat_id: int) -> None:
        now = self.db.stamp()

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE outbox SET status = 'sent', message_id = ?, sent_at = ?, error = NULL"
                " WHERE id = ?",
                (message_id, now, row_id),
            )
            conn.execute(
                "INSERT OR IGNORE INTO outbox_messages (outbox_id, message_id) VALUES (?, ?)",
                (row_id, message_id),
            )
            conn.execute(
                "UPDATE chats SET last_post_at = ?, last_error = NULL WHERE id = ?",
                (now, chat_id),
            )

        await self.db.write(run)

    async def note_unknown_copy(self, row_id: int) -> None:
        """A send whose answer never came: it may have delivered a copy we cannot name."""
        await self.db.execute(
            "UPDATE outbox SET unknown_copies = unknown_copies + 1 WHERE id = ?", (row_id,)
        )

    async def copies(self, row_id: int, *, to_recall: bool = False) -> list[int]:
        """The message ids a row's sends got, oldest first; with ``to_recall``, only those still
        in the chat."""
        pending = " AND recall IS NULL" if to_recall else ""
        rows = await self.db.fetchall(
            f"SELECT message_id FROM outbox_messages WHERE outbox_id = ?{pending}"  # noqa: S608
            " ORDER BY message_id",
            (row_id,),
        )
        return [int(r["message_id"]) for r in rows]

    async def copy_recalled(self, row_id: int, message_id: int, outcome: str = "deleted") -> None:
        """One copy deleted (``outcome`` 'deleted') or refused with the reason."""
        await self.db.execute(
            "UPDATE outbox_messages SET recall = ? WHERE outbox_id = ? AND message_id = ?",
            (outcome[:300], row_id, message_id),
        )

    async def finish_recall(self, row_id: int) -> None:
        """Every copy of the row was tried: recalled if all went, else sent with the reason."""

        def run(conn: sqlite3.Connection) -> None:
            refused = conn.execute(
                "SELECT recall FROM outbox_messages WHERE outbox_id = ? AND recall != 'deleted'"
                " ORDER BY message_id LIMIT 1",
                (row_id,),
            ).fetchone()
            if refused is None:
                conn.execute("UPDATE outbox SET status = 'recalled' WHERE id = ?", (row_id,))
            else:
                conn.execute(
                    "UPDATE outbox SET status = 'sent', error = ? WHERE id = ?",
                    (refused[0], row_id),
                )

        await self.db.write(run)

    async def refresh(self, render: Render, refs: Sequence[str]) -> int:
        """Mark the sent rows of notices rendered as ``render`` for these refs to be edited to
        what they render to now (a card whose contacts were erased); returns how many."""
        if not refs:
            return 0
        sql = (
            "UPDATE outbox SET refresh = 1, not_before = NULL WHERE status = 'sent'"
            " AND announcement_id IN (SELECT id FROM announcements WHERE kind = 'notice'"
            " AND json_extract(content, '$.render') = ?"
            " AND json_extract(content, '$.ref') IN (SELECT value FROM json_each(?)))"
        )
        params = (render.value, json.dumps(list(refs)))
        return await self.db.write(lambda conn: conn.execute(sql, params).rowcount)

    async def refreshed(self, row_id: int) -> None:
        await self.db.execute("UPDATE outbox SET refresh = 0 WHERE id = ?", (row_id,))

    async def note_error(self, row_id: int, error: str) -> None:
        """A side problem (a pin that failed) that does not undo the delivery."""
        await self.db.execute("UPDATE outbox SET error = ? WHERE id = ?", (error[:300], row_id))

    async def retry_later(self, row_id: int, not_before: str, error: str) -> None:
        await self.db.execute(
            "UPDATE outbox SET status = CASE status WHEN 'sending' THEN 'pending'"
            " ELSE status END, not_before = ?, error = ? WHERE id = ?",
            (not_before, error[:300], row_id),
        )

    async def mark_failed(self, row_id: int, error: str) -> None:
        def run(conn: sqlite3.Connection) -> None:
            cur = conn.execute(
                "UPDATE outbox SET status = 'failed', error = ? WHERE id = ? RETURNING chat_id",
                (error[:300], row_id),
            )
            row = cur.fetchone()
            if row is not None and row["chat_id"] < 0:
                conn.execute(
                    "UPDATE chats SET last_error = ? WHERE id = ?", (error[:300], row["chat_id"])
                )

        return await self.db.write(run)

    async def retarget(self, row_id: int, new_chat_id: int) -> bool:
        """Point a row at a migrated chat's new id; False if the announcement already has a
        row there (then this one is cancelled as a duplicate)."""

        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE OR IGNORE outbox SET chat_id = ?, status = 'pending', not_before = NULL"
                " WHERE id = ?",
                (new_chat_id, row_id),
            )
            if cur.rowcount:
                return True
            conn.execute(
                "UPDATE outbox SET status = 'cancelled', error = 'migrated' WHERE id = ?",
                (row_id,),
            )
            return False

        return await self.db.write(run)

    async def finish_completed(self) -> list[Announcement]:
        """Mark queued announcements with no work left as done and return those whose author
        has not had a report yet."""

        def run(conn: sqlite3.Connection) -> list[int]:
            conn.execute(
                "UPDATE announcements SET status = 'done', finished_at = ?"
                " WHERE status = 'queued' AND NOT EXISTS (SELECT 1 FROM outbox o"
                " WHERE o.announcement_id = announcements.id"
                " AND o.status IN ('pending', 'sending'))",
                (self.db.stamp(),),
            )
            cur = conn.execute(
                "UPDATE announcements SET reported = 1 WHERE reported = 0"
                " AND status IN ('done', 'recalled') AND NOT EXISTS (SELECT 1 FROM outbox o"
                " WHERE o.announcement_id = announcements.id"
                " AND o.status IN ('pending', 'sending', 'recalling')) RETURNING id"
            )
            return [r["id"] for r in cur.fetchall()]

        found = [await self.get(i) for i in await self.db.write(run)]
        return [a for a in found if a is not None]


class _AlreadyDoneError(Exception):
    """Raised inside a transaction to roll it back when a once-only row already exists."""


def _insert_rows(
    conn: sqlite3.Connection,
    announcement_id: int,
    targets: Targets,
    not_before: str | None = None,
) -> int:
    rows = _resolve(conn, targets)
    conn.executemany(
        "INSERT OR IGNORE INTO outbox (announcement_id, chat_id, thread_id, not_before)"
        " VALUES (?, ?, ?, ?)",
        [(announcement_id, chat_id, thread_id, not_before) for chat_id, thread_id in rows],
    )
    return len(rows)


def _insert_notice(
    conn: sqlite3.Connection, content: Content, targets: Targets, now: str, not_before: str | None
) -> int:
    cur = conn.execute(
        "INSERT INTO announcements (kind, content, targets, status, created_at, queued_at)"
        " VALUES ('notice', ?, ?, 'queued', ?, ?)",
        (content.dumps(), targets.dumps(), now, now),
    )
    announcement_id = int(cur.lastrowid or 0)
    _insert_rows(conn, announcement_id, targets, not_before)
    return announcement_id
