"""Training requests, their audit trail, and training sessions.

Every change of a request's status is one transaction that checks the status it finds against
the table of allowed transitions (``catalog.requests.TRANSITIONS``), writes the new one and
appends to the audit trail, so two methodologists pressing buttons at once cannot both win,
and the trail never misses a step.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from catalog.requests import Action, Audience, Format, Status, next_status, phone_code
from storage.db import Database


@dataclass(frozen=True, slots=True)
class RequestInput:
    organisation_id: int
    topic_code: str
    format: Format
    audience: tuple[Audience, ...]
    participants: int
    date_from: date
    date_to: date
    dates_text: str
    contact_name: str
    contact_phone: str
    comment: str = ""
    # How many digits of the phone are its code, to show it as written (catalog.requests).
    contact_phone_code: int = 3


@dataclass(frozen=True, slots=True)
class Request:
    id: int
    user_id: int
    organisation_id: int
    organisation: str  # short name
    topic_code: str
    format: Format
    audience: tuple[Audience, ...]
    participants: int
    date_from: date
    date_to: date
    dates_text: str
    contact_name: str | None
    contact_phone: str | None
    comment: str
    status: Status
    assignee_id: int | None
    assignee: str
    created_at: str
    touched_at: str
    sla_reminded_at: str | None
    erased_at: str | None
    session_id: int | None
    contact_phone_code: int = 3
    form_key: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    actor_id: int | None
    actor: str
    action: Action
    comment: str
    at: str


@dataclass(frozen=True, slots=True)
class SessionInput:
    topic_code: str
    format: Format
    starts_at: datetime
    place: str
    planned_hours: float
    organisation_id: int | None = None
    # The form it was saved from: saved again after a crash, the same session is found.
    form_key: str | None = None


@dataclass(frozen=True, slots=True)
class Session:
    id: int
    request_id: int | None
    organisation_id: int | None
    organisation: str
    topic_code: str
    format: Format
    starts_at: datetime
    place: str
    planned_hours: float
    participants: int | None
    hours: float | None
    reminded_at: str | None
    announcement_id: int | None
    tutor_id: int | None

    @property
    def held(self) -> bool:
        return self.participants is not None


@dataclass(frozen=True, slots=True)
class RequestFilter:
    status: Status | None = None
    organisation_id: int | None = None
    topic_code: str | None = None
    assignee_id: int | None = None  # 0: nobody yet


def _name_sql(alias: str) -> str:
    return f"TRIM(COALESCE({alias}.first_name, '') || ' ' || COALESCE({alias}.last_name, ''))"


_REQUEST_SELECT = f"""
    SELECT r.*, o.short_name AS org_short, {_name_sql("a")} AS assignee_name, s.id AS session_id
    FROM requests r
    JOIN organisations o ON o.id = r.organisation_id
    LEFT JOIN users a ON a.id = r.assignee_id
    LEFT JOIN sessions s ON s.request_id = r.id
"""  # noqa: S608

_SESSION_SELECT = """
    SELECT s.*, o.short_name AS org_short, r.user_id AS tutor_id
    FROM sessions s
    LEFT JOIN organisations o ON o.id = s.organisation_id
    LEFT JOIN requests r ON r.id = s.request_id
"""


def _audience(raw: str) -> tuple[Audience, ...]:
    known = Audience._value2member_map_
    return tuple(Audience(a) for a in raw.split(",") if a in known)


def _request(row: sqlite3.Row) -> Request:
    return Request(
        id=row["id"],
        user_id=row["user_id"],
        organisation_id=row["organisation_id"],
        organisation=row["org_short"],
        topic_code=row["topic_code"],
        format=Format(row["format"]),
        audience=_audience(row["audience"]),
        participants=row["participants"],
        date_from=date.fromisoformat(row["date_from"]),
        date_to=date.fromisoformat(row["date_to"]),
        dates_text=row["dates_text"],
        contact_name=row["contact_name"],
        contact_phone=row["contact_phone"],
        comment=row["comment"],
        status=Status(row["status"]),
        assignee_id=row["assignee_id"],
        assignee=row["assignee_name"] or "",
        created_at=row["created_at"],
        touched_at=row["touched_at"],
        sla_reminded_at=row["sla_reminded_at"],
        erased_at=row["erased_at"],
        session_id=row["session_id"],
        contact_phone_code=row["contact_phone_code"] or phone_code(row["contact_phone"]),
        form_key=row["form_key"],
    )


def _session(row: sqlite3.Row) -> Session:
    return Session(
        id=row["id"],
        request_id=row["request_id"],
        organisation_id=row["organisation_id"],
        organisation=row["org_short"] or "",
        topic_code=row["topic_code"],
        format=Format(row["format"]),
        starts_at=datetime.fromisoformat(row["starts_at"]),
        place=row["place"],
        planned_hours=row["planned_hours"],
        participants=row["participants"],
        hours=row["hours"],
        reminded_at=row["reminded_at"],
        announcement_id=row["announcement_id"],
        tutor_id=row["tutor_id"],
    )


# The МО of the tutor's last request is offered first in the next one (OrgRepo.remembered).
_REMEMBER_ORG = "UPDATE users SET organisation_id = ? WHERE id = ?"


def _fields(data: RequestInput) -> tuple[Any, ...]:
    return (
        data.organisation_id,
        data.topic_code,
        data.format.value,
        ",".join(a.value for a in data.audience),
        data.participants,
        data.date_from.isoformat(),
        data.date_to.isoformat(),
        data.dates_text,
        data.contact_name,
        data.contact_phone,
        data.contact_phone_code,
        data.comment,
    )


# Waiting for the methodologists: the SLA's statuses, written into the two statements below
# once, from the enum (no user input).
_OPEN_SQL = ", ".join(f"'{s.value}'" for s in Status if s.is_open)
_WAITING = (
    _REQUEST_SELECT + f" WHERE r.status IN ({_OPEN_SQL})"
    " AND (r.sla_reminded_at IS NULL OR r.sla_reminded_at < r.touched_at)"
    " ORDER BY r.touched_at"
)
_MARK_REMINDED = (
    "UPDATE requests SET sla_reminded_at = ? WHERE id = ? AND touched_at = ?"  # noqa: S608
    f" AND status IN ({_OPEN_SQL})"
    " AND (sla_reminded_at IS NULL OR sla_reminded_at < touched_at)"
)

_EVENT_INSERT = (
    "INSERT INTO request_events (request_id, actor_id, action, comment, at) VALUES (?, ?, ?, ?, ?)"
)


def _event(
    conn: sqlite3.Connection,
    request_id: int,
    actor: int | None,
    action: Action,
    comment: str,
    at: str,
) -> None:
    conn.execute(_EVENT_INSERT, (request_id, actor, action.value, comment, at))


def _insert_session(
    conn: sqlite3.Connection,
    data: SessionInput,
    created_by: int | None,
    request_id: int | None,
    at: str,
) -> int:
    cur = conn.execute(
        "INSERT INTO sessions (request_id, organisation_id, topic_code, format, starts_at, place,"
        " planned_hours, created_by, created_at, form_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            request_id,
            data.organisation_id,
            data.topic_code,
            data.format.value,
            data.starts_at.astimezone(UTC).isoformat(timespec="seconds"),
            data.place,
            data.planned_hours,
            created_by,
            at,
            data.form_key,
        ),
    )
    assert cur.lastrowid is not None
    return cur.lastrowid


class RequestRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, user_id: int, data: RequestInput) -> Request:
        return (await self.file(user_id, data))[0]

    async def file(
        self, user_id: int, data: RequestInput, form_key: str | None = None
    ) -> tuple[Request, bool]:
        """File a request; True if this call filed it. A second call with the same
        ``form_key`` (the form sent again after a crash) returns the request the first one
        filed."""
        now = self.db.stamp()

        # One trip to the writer's thread for the row, its history and reading it back: a
        # tutor waits for this when sending the form.
        def run(conn: sqlite3.Connection) -> tuple[sqlite3.Row, bool]:
            if form_key is not None:
                found = conn.execute(
                    "SELECT id FROM requests WHERE user_id = ? AND form_key = ?",
                    (user_id, form_key),
                ).fetchone()
                if found is not None:
                    again: sqlite3.Row = conn.execute(
                        _REQUEST_SELECT + " WHERE r.id = ?", (found["id"],)
                    ).fetchone()
                    return again, False
            cur = conn.execute(
                "INSERT INTO requests (organisation_id, topic_code, format, audience,"
                " participants, date_from, date_to, dates_text, contact_name, contact_phone,"
                " contact_phone_code, comment, user_id, created_at, updated_at, touched_at,"
                " form_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*_fields(data), user_id, now, now, now, form_key),
            )
            request_id = cur.lastrowid
            conn.execute(_EVENT_INSERT, (request_id, user_id, Action.CREATED.value, "", now))
            conn.execute(_REMEMBER_ORG, (data.organisation_id, user_id))
            row: sqlite3.Row = conn.execute(
                _REQUEST_SELECT + " WHERE r.id = ?", (request_id,)
            ).fetchone()
            return row, True

        row, created = await self.db.write(run)
        return _request(row), created

    async def get(self, request_id: int) -> Request | None:
        row = await self.db.fetchone(_REQUEST_SELECT + " WHERE r.id = ?", (request_id,))
        return _request(row) if row else None

    async def for_user(self, user_id: int, limit: int = 20) -> list[Request]:
        rows = await self.db.fetchall(
            _REQUEST_SELECT + " WHERE r.user_id = ? ORDER BY r.id DESC LIMIT ?", (user_id, limit)
        )
        return [_request(r) for r in rows]

    async def search(
        self, where: RequestFilter, limit: int = 10, offset: int = 0
    ) -> tuple[list[Request], int]:
        """A page of the queue, oldest waiting first, and how many match in all."""
        clauses: list[str] = []
        params: list[Any] = []
        if where.status is not None:
            clauses.append("r.status = ?")
            params.append(where.status.value)
        if where.organisation_id is not None:
            clauses.append("r.organisation_id = ?")
            params.append(where.organisation_id)
        if where.topic_code is not None:
            clauses.append("r.topic_code = ?")
            params.append(where.topic_code)
        if where.assignee_id == 0:
            clauses.append("r.assignee_id IS NULL")
        elif where.assignee_id is not None:
            clauses.append("r.assignee_id = ?")
            params.append(where.assignee_id)
        condition = " WHERE " + " AND ".join(clauses) if clauses else ""
        total = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM requests r" + condition,  # noqa: S608
            tuple(params),
        )
        rows = await self.db.fetchall(
            _REQUEST_SELECT + condition + " ORDER BY r.touched_at, r.id LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [_request(r) for r in rows], int(total["n"]) if total else 0

    async def events(self, request_id: int) -> list[Event]:
        rows = await self.db.fetchall(
            f"SELECT e.*, {_name_sql('u')} AS actor_name FROM request_events e"  # noqa: S608
            " LEFT JOIN users u ON u.id = e.actor_id WHERE e.request_id = ? ORDER BY e.id",
            (request_id,),
        )
        return [
            Event(r["actor_id"], r["actor_name"] or "", Action(r["action"]), r["comment"], r["at"])
            for r in rows
        ]

    async def _transition(
        self,
        request_id: int,
        actor: int,
        action: Action,
        comment: str,
        *,
        owner: int | None = None,
        data: RequestInput | None = None,
        session: SessionInput | None = None,
        form_key: str | None = None,
    ) -> Request | None:
        """Take ``action`` if the table of transitions allows it from the status the request
        is in now; None if it does not (someone was quicker) or ``owner`` is not the owner.
        ``form_key``: the form that did it, kept on the request."""
        now = self.db.stamp()

        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "SELECT status, user_id, assignee_id, form_key FROM requests WHERE id = ?",
                (request_id,),
            )
            row = cur.fetchone()
            if row is None or (owner is not None and row["user_id"] != owner):
                return False
            status = next_status(
                action, Status(row["status"]), assigned=row["assignee_id"] is not None
            )
            if status is None:
                return False
            if action is Action.TAKEN or (row["assignee_id"] is None and owner is None):
                assignee = actor
            else:
                assignee = row["assignee_id"]
            if data is not None:
                conn.execute(
                    "UPDATE requests SET organisation_id = ?, topic_code = ?, format = ?,"
                    " audience = ?, participants = ?, date_from = ?, date_to = ?,"
                    " dates_text = ?, contact_name = ?, contact_phone = ?,"
                    " contact_phone_code = ?, comment = ? WHERE id = ?",
                    (*_fields(data), request_id),
                )
                conn.execute(_REMEMBER_ORG, (data.organisation_id, row["user_id"]))
            conn.execute(
                "UPDATE requests SET status = ?, assignee_id = ?, updated_at = ?, touched_at = ?,"
                " form_key = COALESCE(?, form_key) WHERE id = ?",
                (status.value, assignee, now, now, form_key, request_id),
            )
            _event(conn, request_id, actor, action, comment, now)
            if session is not None:
                _insert_session(conn, session, actor, request_id, now)
            return True

        if not await self.db.write(run):
            return None
        return await self.get(request_id)

    async def take(self, request_id: int, actor: int) -> Request | None:
        return await self._transition(request_id, actor, Action.TAKEN, "")

    async def ask_changes(self, request_id: int, actor: int, comment: str) -> Request | None:
        return await self._transition(request_id, actor, Action.CHANGES, comment)

    async def reject(self, request_id: int, actor: int, reason: str) -> Request | None:
        return await self._transition(request_id, actor, Action.REJECTED, reason)

    async def approve(
        self, request_id: int, actor: int, session: SessionInput, comment: str
    ) -> Request | None:
        """Approve and create its training session in the same transaction."""
        return await self._transition(request_id, actor, Action.APPROVED, comment, session=session)

    async def resubmit(
        self, request_id: int, user_id: int, data: RequestInput, form_key: str | None = None
    ) -> Request | None:
        """The tutor's corrected request goes back to whoever had it, or to the queue."""
        return await self._transition(
            request_id,
            user_id,
            Action.RESUBMITTED,
            "",
            owner=user_id,
            data=data,
            form_key=form_key,
        )

    async def withdraw(self, request_id: int, user_id: int) -> Request | None:
        """The tutor takes back a request not yet approved (its owner only)."""
        return await self._transition(request_id, user_id, Action.WITHDRAWN, "", owner=user_id)

    async def waiting(self) -> list[Request]:
        """Open requests not yet reminded about since their last action: the SLA's work."""
        rows = await self.db.fetchall(_WAITING)
        return [_request(r) for r in rows]

    async def mark_reminded(self, request_id: int, touched_at: str) -> bool:
        """Record the SLA reminder, unless someone acted on the request meanwhile or it was
        already recorded; True means this call is the one that should remind."""
        now = self.db.stamp()

        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                _MARK_REMINDED,
                (now, request_id, touched_at),
            )
            if cur.rowcount == 0:
                return False
            _event(conn, request_id, None, Action.SLA_REMINDER, "", now)
            return True

        return await self.db.write(run)

    async def everything(self) -> list[Request]:
        """Every request, oldest first: the export's rows."""
        return [_request(r) for r in await self.db.fetchall(_REQUEST_SELECT + " ORDER BY r.id")]


@dataclass(frozen=True, slots=True)
class SessionTotals:
    """Sessions whose results are recorded, and what they add up to."""

    sessions: int
    people: int
    hours: float


class SessionRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, data: SessionInput, created_by: int) -> Session:
        """A session on its own; the same form saving again gets the session it saved."""
        stamp = self.db.stamp()

        def run(conn: sqlite3.Connection) -> int:
            if data.form_key is not None:
                found = conn.execute(
                    "SELECT id FROM sessions WHERE created_by = ? AND form_key = ?",
                    (created_by, data.form_key),
                ).fetchone()
                if found is not None:
                    return int(found["id"])
            return _insert_session(conn, data, created_by, None, stamp)

        session_id = await self.db.write(run)
        found = await self.get(session_id)
        assert found is not None
        return found

    async def by_form(self, created_by: int, form_key: str) -> Session | None:
        """The session a form saved, if it did."""
        row = await self.db.fetchone(
            _SESSION_SELECT + " WHERE s.created_by = ? AND s.form_key = ?", (created_by, form_key)
        )
        return _session(row) if row else None

    async def get(self, session_id: int) -> Session | None:
        row = await self.db.fetchone(_SESSION_SELECT + " WHERE s.id = ?", (session_id,))
        return _session(row) if row else None

    async def of_request(self, request_id: int) -> Session | None:
        row = await self.db.fetchone(_SESSION_SELECT + " WHERE s.request_id = ?", (request_id,))
        return _session(row) if row else None

    async def recent(self, limit: int = 10) -> list[Session]:
        """The latest sessions by date, future ones included."""
        rows = await self.db.fetchall(
            _SESSION_SELECT + " ORDER BY s.starts_at DESC, s.id DESC LIMIT ?", (limit,)
        )
        return [_session(r) for r in rows]

    async def record(self, session_id: int, participants: int, hours: float, actor: int) -> bool:
        """The actual participants and academic hours; recorded again, they are corrected."""
        now = self.db.stamp()

        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE sessions SET participants = ?, hours = ? WHERE id = ? RETURNING request_id",
                (participants, hours, session_id),
            )
            row = cur.fetchone()
            if row is None:
                return False
            if row["request_id"] is not None:
                note = f"{participants} / {hours:g}"
                _event(conn, row["request_id"], actor, Action.HELD, note, now)
            return True

        return await self.db.write(run)

    async def to_remind(self, after: datetime) -> list[Session]:
        """Sessions of requests, starting after ``after``, whose tutor has not had the
        day-before reminder yet."""
        rows = await self.db.fetchall(
            _SESSION_SELECT + " WHERE s.request_id IS NOT NULL AND s.reminded_at IS NULL"
            " AND s.starts_at > ? ORDER BY s.starts_at",
            (after.astimezone(UTC).isoformat(timespec="seconds"),),
        )
        return [_session(r) for r in rows]

    async def mark_reminded(self, session_id: int) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE sessions SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL",
                (self.db.stamp(), session_id),
            )
            return cur.rowcount > 0

        return await self.db.write(run)

    async def set_announcement(self, session_id: int, announcement_id: int) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE sessions SET announcement_id = ? WHERE id = ? AND announcement_id IS NULL",
                (announcement_id, session_id),
            )
            return cur.rowcount > 0

        return await self.db.write(run)

    async def everything(self) -> list[Session]:
        """Every session by its date: the export's rows."""
        rows = await self.db.fetchall(_SESSION_SELECT + " ORDER BY s.starts_at, s.id")
        return [_session(r) for r in rows]

    async def totals(self) -> SessionTotals:
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n, COALESCE(SUM(participants), 0) AS people,"
            " COALESCE(SUM(hours), 0) AS hours FROM sessions WHERE participants IS NOT NULL"
        )
        if row is None:
            return SessionTotals(0, 0, 0.0)
        return SessionTotals(int(row["n"]), int(row["people"]), float(row["hours"]))
