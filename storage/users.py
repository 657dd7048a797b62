"""People, their roles, and erasing one of them (/forget)."""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from catalog.requests import Action
from storage.announcements import Content
from storage.db import Database


class Role(StrEnum):
    ADMIN = "admin"
    METHODOLOGIST = "methodologist"
    TUTOR = "tutor"
    STAFF = "staff"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, other: Role) -> bool:
        """Roles nest: an admin may do what a methodologist may, and so on down to staff."""
        return self.rank >= other.rank


_RANK = {Role.STAFF: 0, Role.TUTOR: 1, Role.METHODOLOGIST: 2, Role.ADMIN: 3}

# A seen user's row is rewritten at most this often unless their names change, so that a
# chatty user does not turn every update into a write transaction.
TOUCH_INTERVAL = timedelta(minutes=5)

# Every update reads its sender's row. Writes through UserRepo (and /forget) replace or drop
# the cached copy at once, so a role granted in the bot counts from the very next message; the
# lifetime only bounds how long a row edited outside the bot (by hand, in SQL) may go unseen.
CACHE_SECONDS = 60.0
CACHED_USERS = 50_000


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    role: Role
    created_at: str
    last_seen_at: str
    forgotten: bool = False  # asked to be forgotten: no name is kept

    @property
    def display_name(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or (f"@{self.username}" if self.username else str(self.id))


@dataclass(frozen=True, slots=True)
class SeenUser:
    """What an update tells us about its sender."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


def _record(row: sqlite3.Row) -> UserRecord:
    return UserRecord(
        id=row["id"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        username=row["username"],
        language_code=row["language_code"],
        role=Role(row["role"]),
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
        forgotten=bool(row["forgotten_at"]),
    )


_UPSERT_SEEN = """
    INSERT INTO users (id, first_name, last_name, username, language_code,
                       created_at, last_seen_at, username_seen_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, IIF(?4 IS NULL, NULL, ?7))
    ON CONFLICT (id) DO UPDATE SET
        -- Someone who asked to be forgotten (/forget) stays nameless here.
        first_name = IIF(users.forgotten_at IS NULL, excluded.first_name, ''),
        last_name = IIF(users.forgotten_at IS NULL, excluded.last_name, NULL),
        username = IIF(users.forgotten_at IS NULL, excluded.username, NULL),
        username_seen_at = IIF(
            users.forgotten_at IS NULL AND excluded.username IS NOT NULL,
            excluded.last_seen_at, NULL),
        language_code = excluded.language_code,
        last_seen_at = excluded.last_seen_at
    RETURNING *
"""
# Telegram gives a username to one account at a time: whoever shows it to us now has it, and
# whoever had it before no longer does.
_RELEASE_USERNAME = (
    "UPDATE users SET username = NULL, username_seen_at = NULL"
    " WHERE username = ? COLLATE NOCASE AND id != ? RETURNING id"
)


@dataclass(frozen=True, slots=True)
class Erased:
    """What /forget touched: how many requests and notices, and the requests whose cards
    methodologists already have."""

    requests: int
    notices: int
    request_ids: tuple[int, ...]


def _phone_forms(phone: str) -> set[str]:
    """The ways a stored phone may have been written into a text: as stored, digits only, and
    the digits after the country code."""
    digits = re.sub(r"\D", "", phone)
    forms = {phone, digits}
    if len(digits) == 11:
        forms.add(digits[1:])
    return {f for f in forms if len(f) >= 5}


def _scrub(text: str, secrets: set[str], replacement: str) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, replacement)
    return text


class _Cache:
    def __init__(self) -> None:
        self.rows: dict[int, tuple[float, UserRecord]] = {}
        self.writes = 0


class UserRepo:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache = db.shared("users", _Cache)

    async def get(self, user_id: int) -> UserRecord | None:
        cached = self._cache.rows.get(user_id)
        if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        writes = self._cache.writes
        row = await self.db.fetchone("SELECT * FROM users WHERE id = ?", (user_id,))
        if row is None:
            return None
        record = _record(row)
        if writes == self._cache.writes:
            # Kept only if no write overlapped the read: that write may be newer.
            self._remember(record)
        return record

    def _uncache(self, user_id: int) -> None:
        self._cache.rows.pop(user_id, None)
        self._cache.writes += 1

    def _remember(self, record: UserRecord) -> None:
        rows = self._cache.rows
        if len(rows) >= CACHED_USERS and record.id not in rows:
            rows.clear()
        rows[record.id] = (time.monotonic(), record)

    async def by_username(self, username: str, seen_since: str) -> UserRecord | None:
        """The person who showed us this username at ``seen_since`` or later; None if nobody
        did (an older sighting may be of a username that has since changed hands)."""
        row = await self.db.fetchone(
            "SELECT * FROM users WHERE username = ? COLLATE NOCASE AND username_seen_at >= ?"
            " ORDER BY username_seen_at DESC LIMIT 1",
            (username.lstrip("@"), seen_since),
        )
        return _record(row) if row else None

    async def username_known(self, username: str) -> bool:
        row = await self.db.fetchone(
            "SELECT 1 FROM users WHERE username = ? COLLATE NOCASE", (username.lstrip("@"),)
        )
        return row is not None

    async def touch(self, seen: SeenUser, known: UserRecord | None = None) -> UserRecord:
        """Upsert a user seen in an update; skips the write when nothing worth saving changed."""
        if known is None:
            known = await self.get(seen.id)
        now = self.db.now()
        if known is not None and not _needs_write(known, seen, now):
            return known
        stamp = now.isoformat(timespec="seconds")
        self._uncache(seen.id)
        params = (
            seen.id,
            seen.first_name,
            seen.last_name,
            seen.username,
            seen.language_code,
            stamp,
            stamp,
        )

        def run(conn: sqlite3.Connection) -> tuple[list[sqlite3.Row], list[int]]:
            released: list[int] = []
            if seen.username:
                released = [r[0] for r in conn.execute(_RELEASE_USERNAME, (seen.username, seen.id))]
            # fetchall: the RETURNING statement must run to its end before the commit.
            return conn.execute(_UPSERT_SEEN, params).fetchall(), released

        rows, released = await self.db.write(run)
        for other in released:
            self._uncache(other)
        record = _record(rows[0])  # RETURNING always yields the upserted row
        self._uncache(seen.id)
        self._remember(record)
        return record

    async def set_role(self, user_id: int, role: Role, changed_by: int | None) -> Role | None:
        """Give ``user_id`` a role; creates a placeholder row for a never-seen id.

        Returns the previous role, or None when the role was already ``role``.
        """
        stamp = self.db.stamp()
        self._uncache(user_id)
        try:
            return await self._set_role(user_id, role, changed_by, stamp)
        finally:
            self._uncache(user_id)

    async def _set_role(
        self, user_id: int, role: Role, changed_by: int | None, stamp: str
    ) -> Role | None:
        def run(conn: sqlite3.Connection) -> Role | None:
            conn.execute(
                "INSERT INTO users (id, created_at, last_seen_at) VALUES (?, ?, ?) "
                "ON CONFLICT (id) DO NOTHING",
                (user_id, stamp, stamp),
            )
            cur = conn.execute("SELECT role FROM users WHERE id = ?", (user_id,))
            row = cur.fetchone()
            assert row is not None
            old = Role(row["role"])
            if old == role:
                return None
            conn.execute("UPDATE users SET role = ? WHERE id = ?", (role.value, user_id))
            conn.execute(
                "INSERT INTO role_changes (user_id, old_role, new_role, changed_by, changed_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (user_id, old.value, role.value, changed_by, stamp),
            )
            return old

        return await self.db.write(run)

    async def list_by_role(self, role: Role | None = None) -> list[UserRecord]:
        if role is None:
            rows = await self.db.fetchall(
                "SELECT * FROM users WHERE role != 'staff' ORDER BY role, first_name, id"
            )
        else:
            rows = await self.db.fetchall(
                "SELECT * FROM users WHERE role = ? ORDER BY first_name, id", (role.value,)
            )
        return [_record(r) for r in rows]

    async def ids_at_least(self, role: Role) -> list[int]:
        """Everyone with ``role`` or a higher one: who a notice for that role goes to. Read
        as ids only: a request sent reads it, and every tutor's full row was most of that."""
        roles = [r.value for r in Role if r.at_least(role)]
        rows = await self.db.fetchall(
            f"SELECT id FROM users WHERE role IN ({', '.join('?' * len(roles))}) ORDER BY id",  # noqa: S608
            roles,
        )
        return [int(r["id"]) for r in rows]

    async def count_by_role(self) -> dict[Role, int]:
        rows = await self.db.fetchall("SELECT role, COUNT(*) AS n FROM users GROUP BY role")
        counts = dict.fromkeys(Role, 0)
        for r in rows:
            counts[Role(r["role"])] = r["n"]
        return counts

    async def role_history(self, user_id: int) -> list[tuple[Role, Role, int | None, str]]:
        rows = await self.db.fetchall(
            "SELECT old_role, new_role, changed_by, changed_at FROM role_changes"
            " WHERE user_id = ? ORDER BY id",
            (user_id,),
        )
        return [
            (Role(r["old_role"]), Role(r["new_role"]), r["changed_by"], r["changed_at"])
            for r in rows
        ]

    # -- the weekly digest -------------------------------------------------------------------

    async def digest_enabled(self, user_id: int) -> bool:
        row = await self.db.fetchone("SELECT digest FROM users WHERE id = ?", (user_id,))
        return bool(row["digest"]) if row else False

    async def set_digest(self, user_id: int, enabled: bool) -> None:
        await self.db.execute(
            "UPDATE users SET digest = ? WHERE id = ?", (1 if enabled else 0, user_id)
        )

    async def digest_readers(self) -> list[int]:
        """Admins who have not switched the Monday digest off."""
        rows = await self.db.fetchall(
            "SELECT id FROM users WHERE role = ? AND digest = 1 ORDER BY id", (Role.ADMIN.value,)
        )
        return [int(r["id"]) for r in rows]

    async def erase(self, user_id: int, replacement: str) -> Erased:
        """/forget: erase ``user_id``'s personal data in one transaction.

        What a person asked for (how many, when, which direction) stays for statistics; who
        they are and how to reach them goes: their name and username, the contacts and free
        text of their requests, the comments on those requests, the notices that named them
        (``replacement`` stands instead), and the link from their searches to them. The WAL is
        checkpointed afterwards, and ``secure_delete`` zeroes the freed space, so the bytes
        linger in neither the database file nor its WAL. Returns what was touched, with the
        card buttons to refresh."""

        def run(conn: sqlite3.Connection) -> Erased:
            now = self.db.stamp()
            user = conn.execute(
                "SELECT first_name, last_name, username FROM users WHERE id = ?", (user_id,)
            ).fetchone()
            secrets: set[str] = set()
            if user is not None:
                full = " ".join(p for p in (user["first_name"], user["last_name"]) if p)
                if user["last_name"]:
                    secrets.add(full)
                if user["username"]:
                    secrets.add(f"@{user['username']}")
            requests = conn.execute(
                "SELECT id, contact_name, contact_phone FROM requests WHERE user_id = ?", (user_id,)
            ).fetchall()
            for r in requests:
                if r["contact_name"] and len(r["contact_name"]) >= 4:
                    secrets.add(r["contact_name"])
                if r["contact_phone"]:
                    secrets |= _phone_forms(r["contact_phone"])
            ids = [int(r["id"]) for r in requests]
            marks = ",".join("?" * len(ids))
            conn.execute(
                "UPDATE requests SET contact_name = NULL, contact_phone = NULL, comment = '',"
                " dates_text = '', erased_at = COALESCE(erased_at, ?), updated_at = ?"
                " WHERE user_id = ?",
                (now, now, user_id),
            )
            if ids:
                conn.execute(
                    f"UPDATE request_events SET comment = '' WHERE request_id IN ({marks})",  # noqa: S608
                    ids,
                )
            conn.execute("UPDATE request_events SET comment = '' WHERE actor_id = ?", (user_id,))
            conn.executemany(
                "INSERT INTO request_events (request_id, actor_id, action, comment, at)"
                " VALUES (?, NULL, ?, '', ?)",
                [(i, Action.ERASED.value, now) for i in ids],
            )
            notices = 0
            for row in conn.execute(
                "SELECT id, content FROM announcements WHERE kind = 'notice'"
            ).fetchall():
                content = Content.loads(row["content"])
                if content.about == user_id:
                    new = Content(text=replacement)
                elif secrets and any(s in content.text for s in secrets):
                    new = replace(content, text=_scrub(content.text, secrets, replacement))
                else:
                    continue
                conn.execute(
                    "UPDATE announcements SET content = ? WHERE id = ?", (new.dumps(), row["id"])
                )
                notices += 1
            conn.execute(
                "UPDATE users SET first_name = '', last_name = NULL, username = NULL,"
                " organisation_id = NULL, forgotten_at = ? WHERE id = ?",
                (now, user_id),
            )
            for table in ("searches", "material_wishes"):
                conn.execute(f"UPDATE {table} SET user_id = NULL WHERE user_id = ?", (user_id,))  # noqa: S608
            return Erased(len(ids), notices, tuple(ids))

        self._uncache(user_id)
        try:
            erased = await self.db.write(run)
        finally:
            self._uncache(user_id)
        await self.db.checkpoint()
        return erased


def _needs_write(known: UserRecord, seen: SeenUser, now: datetime) -> bool:
    names = (known.first_name, known.last_name, known.username, known.language_code)
    # A forgotten user's names are not stored, so they always differ and are not news.
    if not known.forgotten and names != (
        seen.first_name,
        seen.last_name,
        seen.username,
        seen.language_code,
    ):
        return True
    last = datetime.fromisoformat(known.last_seen_at)
    return now - last >= TOUCH_INTERVAL
