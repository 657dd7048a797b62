"""Roles as use cases: whom a word names, and changing a role under the rules (ADMIN_IDS stay
admins, nobody demotes themselves)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from storage.db import iso
from storage.users import Role, UserRepo

# How recently a person must have written to the bot for their @username to name them: a
# username given up soon passes to someone else.
USERNAME_FRESH = timedelta(days=7)

_ROLE_ALIASES: dict[str, Role] = {
    "admin": Role.ADMIN,
    "админ": Role.ADMIN,
    "администратор": Role.ADMIN,
    "methodologist": Role.METHODOLOGIST,
    "методист": Role.METHODOLOGIST,
    "tutor": Role.TUTOR,
    "тьютор": Role.TUTOR,
    "staff": Role.STAFF,
    "сотрудник": Role.STAFF,
}
_USER_ID = re.compile(r"^\d{1,20}$")
_USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{3,31})$")


class Unresolved(StrEnum):
    INVALID = "invalid"
    UNKNOWN_USERNAME = "unknown_username"
    STALE_USERNAME = "stale_username"
    HIDDEN = "hidden"


class UnresolvedPersonError(Exception):
    def __init__(self, reason: Unresolved, username: str = "") -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.username = username


def parse_role(word: str) -> Role | None:
    return _ROLE_ALIASES.get(word.strip().lower().replace("ё", "е"))


async def resolve_person(users: UserRepo, word: str) -> int:
    """A person named by id, or by a username they showed the bot recently."""
    word = word.strip()
    if _USER_ID.match(word):
        return int(word)
    match = _USERNAME.match(word)
    if match is None:
        raise UnresolvedPersonError(Unresolved.INVALID)
    username = match.group(1)
    found = await users.by_username(username, iso(users.db.now() - USERNAME_FRESH))
    if found is not None:
        return found.id
    if await users.username_known(username):
        raise UnresolvedPersonError(Unresolved.STALE_USERNAME, username)
    raise UnresolvedPersonError(Unresolved.UNKNOWN_USERNAME, username)


class Outcome(StrEnum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    CONFIG_ADMIN = "config_admin"
    SELF_DEMOTE = "self_demote"


@dataclass(frozen=True, slots=True)
class RoleChange:
    outcome: Outcome
    role: Role


async def change_role(
    users: UserRepo, config_admins: frozenset[int], actor: int, target: int, role: Role
) -> RoleChange:
    if target in config_admins and role is not Role.ADMIN:
        return RoleChange(Outcome.CONFIG_ADMIN, role)
    if target == actor and role is not Role.ADMIN:
        return RoleChange(Outcome.SELF_DEMOTE, role)
    old = await users.set_role(target, role, changed_by=actor)
    return RoleChange(Outcome.UNCHANGED if old is None else Outcome.CHANGED, role)
