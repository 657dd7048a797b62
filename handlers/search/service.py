"""The search feature's use cases, as plain async functions over the catalog repository: no
aiogram types here. The handlers turn what they return into messages (texts, keyboards)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.delivery import Delivery
from catalog.model import Kind
from catalog.text import normalise
from storage.catalog import CatalogRepo, Material, SearchResult
from storage.db import iso
from storage.users import Role

PAGE_SIZE = 5
# The deep link that carries a query (Route.SEARCH) has room for 55 characters of base64:
# 41 bytes, as many letters in cp1251.
LINK_QUERY_BYTES = 41
# The deep-link argument of a search with no words: the bot answers with the search hint.
NO_QUERY = "0"


class Refusal(StrEnum):
    NOT_YOURS = "not_yours"  # a button of someone else's search
    STALE = "stale"  # a button whose saved search or direction is gone
    GONE = "gone"  # a material deleted, or not for this person's eyes
    ARCHIVED = "archived"  # a material a methodologist may see but nobody may get


@dataclass(frozen=True, slots=True)
class Item:
    id: int
    title: str
    kind: Kind
    topic_titles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Results:
    """One page of what a search found."""

    query: str
    qid: int
    page: int
    pages: int
    total: int
    items: tuple[Item, ...]
    # The query as it was understood, when that differs from what was typed (a switched
    # layout, a corrected typo).
    shown_for: str | None

    @property
    def first_number(self) -> int:
        return self.page * PAGE_SIZE + 1


@dataclass(frozen=True, slots=True)
class NothingFound:
    query: str
    qid: int
    # A query that would find something: its saved id and its text.
    suggestion: tuple[int, str] | None


@dataclass(frozen=True, slots=True)
class Card:
    material: Material
    topic_titles: tuple[str, ...]
    # Admins see the last 30 days too.
    downloads_30: int | None
    # Shown instead of an older version the link pointed to.
    superseded: bool = False


@dataclass(frozen=True, slots=True)
class Listing:
    """A page of one direction's materials, of one kind or all."""

    topic: str
    topic_title: str
    kind: Kind | None
    page: int
    pages: int
    total: int
    items: tuple[Item, ...]

    @property
    def first_number(self) -> int:
        return self.page * PAGE_SIZE + 1


def pages_of(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def query_sig(secret: str, qid: int, owner: int) -> str:
    """Who a saved search belongs to, in its buttons: a keyed hash of the query id and the
    person, so a page, «попросить материал», a number or Back acts only for whoever searched
    (the text may carry a name or a phone) without a row per person and query."""
    key = hashlib.sha256(b"saved-search:" + secret.encode())
    mac = hmac.new(key.digest(), f"{qid}:{owner}".encode(), "sha256").digest()[:6]
    return base64.urlsafe_b64encode(mac).decode()


def visible(material: Material, role: Role) -> bool:
    """An archived material, or one held for possible personal data (which is archived while
    held), is for methodologists and admins only: its title may carry a name or a phone."""
    return material.active or role.at_least(Role.METHODOLOGIST)


def channel_of(from_link: bool, *, in_group: bool) -> str:
    """How a delivery is counted (storage.catalog.CHANNELS)."""
    if in_group:
        return "group"
    return "deeplink" if from_link else "private"


def encode_query(query: str) -> str:
    """A query as a deep-link argument: its first whole words as the search sees them (lower
    case, letters and digits), one byte a letter in cp1251, in base64url."""
    kept = b""
    for word in normalise(query).split():
        encoded = word.encode("cp1251", errors="ignore")
        joined = kept + b" " + encoded if kept else encoded
        if len(joined) > LINK_QUERY_BYTES:
            break
        kept = joined
    if not kept:
        # One word longer than the room: its first letters.
        kept = normalise(query).encode("cp1251", errors="ignore")[:LINK_QUERY_BYTES].strip()
    if not kept:
        return NO_QUERY
    return base64.urlsafe_b64encode(kept).decode().rstrip("=")


def decode_query(argument: str) -> str | None:
    if argument == NO_QUERY:
        return None
    try:
        raw = base64.urlsafe_b64decode(argument + "=" * (-len(argument) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw.decode("cp1251", errors="ignore").strip() or None


async def _items(materials: CatalogRepo, ids: Sequence[int]) -> tuple[Item, ...]:
    shown = await materials.get_many(ids)
    titles = await materials.topic_titles()
    return tuple(_item(m, titles) for m in shown)


def _item(m: Material, titles: Mapping[str, str]) -> Item:
    return Item(m.id, m.title, m.kind, tuple(titles.get(t, t) for t in m.topics))


async def _view(
    materials: CatalogRepo, query: str, qid: int, page: int, found: SearchResult
) -> Results | NothingFound:
    if not found.ids:
        suggestion = await materials.suggestion(found.plan)
        corrected = (await materials.save_query(suggestion), suggestion) if suggestion else None
        return NothingFound(query, qid, corrected)
    pages = pages_of(found.total)
    page = min(max(page, 0), pages - 1)
    items = await _items(materials, found.ids[page * PAGE_SIZE : (page + 1) * PAGE_SIZE])
    plan = found.plan
    understood = plan.layout_switched or plan.corrected
    shown_for = (plan.corrected or plan.normalised) if understood else None
    return Results(query, qid, page, pages, found.total, items, shown_for)


async def search(
    materials: CatalogRepo, query: str, user_id: int | None, channel: str
) -> Results | NothingFound | None:
    """A search someone typed: logged (the «Не нашли» report and the digest read the log) and
    its first page; None when the query has no word to look for."""
    query_plan = await materials.plan(query)
    if query_plan.empty:
        return None
    found = await materials.search(query)
    # The button id and the statistics row in one write.
    qid = await materials.save_search(query, user_id, channel, query_plan.normalised, found.total)
    return await _view(materials, query, qid, 0, found)


async def results_page(
    materials: CatalogRepo, query: str, qid: int, page: int
) -> Results | NothingFound:
    """Another page of a saved search; not logged again."""
    return await _view(materials, query, qid, page, await materials.search(query))


async def owned_query(
    materials: CatalogRepo, secret: str, qid: int, sig: str, user_id: int
) -> str | Refusal:
    """The text of a saved search if it is this person's."""
    if not hmac.compare_digest(sig, query_sig(secret, qid, user_id)):
        return Refusal.NOT_YOURS
    query = await materials.saved_query(qid)
    return Refusal.STALE if query is None else query


async def ask_for_material(
    materials: CatalogRepo, delivery: Delivery, user_id: int, query: str, note: str
) -> None:
    """«Попросить материал»: kept for the reports, and the methodologists are told."""
    await materials.add_wish(user_id, query)
    # Through the outbox like everything addressed to several people: a slow Telegram or a
    # blocked methodologist must not hold up the answer to this button.
    await delivery.notify(Role.METHODOLOGIST, note, about=f"wish:{user_id}", person=user_id)


async def card(materials: CatalogRepo, material: Material, role: Role) -> Card:
    titles = await materials.topic_titles()
    downloads_30 = None
    if role.at_least(Role.ADMIN):
        since = iso(materials.db.now() - timedelta(days=30))
        downloads_30 = await materials.downloads_since(material.id, since)
    return Card(material, tuple(titles.get(t, t) for t in material.topics), downloads_30)


async def open_card(materials: CatalogRepo, material_id: int, role: Role) -> Card | Refusal:
    material = await materials.get(material_id)
    if material is None or not visible(material, role):
        return Refusal.GONE
    return await card(materials, material, role)


async def open_link(materials: CatalogRepo, argument: str, role: Role) -> Card | Refusal:
    """A deep link's material; an old version's link shows the newer one."""
    material = await materials.get(int(argument)) if argument.isdigit() else None
    if material is not None and not material.active:
        newer = await materials.successor(material.id)
        found = await materials.get(newer) if newer is not None else None
        if found is not None and visible(found, role):
            shown = await card(materials, found, role)
            return Card(shown.material, shown.topic_titles, shown.downloads_30, superseded=True)
    if material is None or not visible(material, role):
        return Refusal.GONE
    return await card(materials, material, role)


async def deliverable(materials: CatalogRepo, material_id: int, role: Role) -> Material | Refusal:
    """The material «Получить» hands out, if it may be handed out to this person."""
    material = await materials.get(material_id)
    if material is None or not visible(material, role):
        return Refusal.GONE
    if not material.active:
        return Refusal.ARCHIVED
    return material


async def count_delivery(
    materials: CatalogRepo, material: Material, user_id: int, chat_id: int | None, channel: str
) -> None:
    await materials.record_download(material.id, user_id, chat_id, channel)


def published(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp).strftime("%d.%m.%Y")
    except ValueError:
        return stamp


# -- browsing --------------------------------------------------------------------------------


async def directions(materials: CatalogRepo) -> list[tuple[str, str, int]]:
    """(code, title, active materials) of every direction that has any."""
    counts = await materials.topic_counts()
    return [
        (t.code, t.title, counts[t.code]) for t in await materials.topics() if counts.get(t.code)
    ]


async def kinds(materials: CatalogRepo, topic: str) -> tuple[str, dict[Kind, int]] | Refusal:
    """A direction's title and its materials by kind."""
    titles = await materials.topic_titles()
    if topic not in titles:
        return Refusal.STALE
    return titles[topic], await materials.kinds_in_topic(topic)


async def listing(
    materials: CatalogRepo, topic: str, kind_code: str, page: int
) -> Listing | Refusal:
    titles = await materials.topic_titles()
    if topic not in titles:
        return Refusal.STALE
    kind = Kind(kind_code) if kind_code in set(Kind) else None
    ids = await materials.browse(topic, kind)
    pages = pages_of(len(ids))
    page = min(max(page, 0), pages - 1)
    items = await _items(materials, ids[page * PAGE_SIZE : (page + 1) * PAGE_SIZE])
    return Listing(topic, titles[topic], kind, page, pages, len(ids), items)
