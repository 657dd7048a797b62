"""Materials, topics, the search index, deliveries and the search log."""

from __future__ import annotations

import csv
import io
import json
import math
import sqlite3
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from importlib import resources
from types import MappingProxyType
from typing import Any, TypeVar

from catalog.glossary import Glossary
from catalog.model import KIND_TITLES, Kind, MaterialInput, Topic
from catalog.pdscan import Finding
from catalog.search import (
    BM25_WEIGHTS,
    Candidate,
    QueryPlan,
    Vocabulary,
    analyse,
    plan,
    rank,
    suggest,
)
from storage.db import Database

T = TypeVar("T")

CANDIDATES = 100
# A tier expected to match more materials than this is not ranked by bm25 in SQLite (that
# scores every match: ~4 µs a row, 40 ms at 10,000): its newest CANDIDATES go to the ranking.
RANK_ROWS = 3000
VOCABULARY_PAGE = 10_000
# When every query word matches at least this many materials, the OR query is not needed.
ENOUGH_STRICT = 10
CHANNELS = ("private", "group", "inline", "deeplink", "link")
# How a tier of candidates is ordered before the LIMIT.
BM25, POPULAR, NEWEST = "bm25", "popular", "newest"
RESULTS_CACHED = 1024
QUERIES_CACHED = 10_000
# Longer texts are planned every time: nobody repeats a pasted paragraph.
PLANNED_QUERY = 256
# Also how long a material edited by another process (``python -m bot catalog import`` while
# the bot runs) may be shown as it was: changes through this repository are seen at once.
RESULTS_TTL = 30.0
# How often the catalog version is compared with the database's, for changes made by another
# process (``python -m bot catalog import`` while the bot runs).
VERSION_CHECK = 1.0


@dataclass(frozen=True, slots=True)
class Material:
    id: int
    title: str
    description: str
    kind: Kind
    topics: tuple[str, ...]
    audience: tuple[str, ...]
    tags: tuple[str, ...]
    file_id: str | None
    file_unique_id: str | None
    file_name: str | None
    file_size: int | None
    mime_type: str | None
    file_type: str | None
    url: str | None
    published_at: str
    version: int
    supersedes: int | None
    status: str
    downloads: int

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True, slots=True)
class SearchResult:
    plan: QueryPlan
    ids: tuple[int, ...]

    @property
    def total(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, slots=True)
class Hold:
    """A material held back for a possible personal-data leak, until an admin decides."""

    material_id: int
    title: str
    findings: tuple[Finding, ...]
    held_by: int | None
    decision: str | None

    @property
    def open(self) -> bool:
        return self.decision is None


def _split(value: str) -> tuple[str, ...]:
    return tuple(p for p in value.split("|") if p)


def _material(row: sqlite3.Row, topics: tuple[str, ...]) -> Material:
    return Material(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        kind=Kind(row["kind"]),
        topics=topics,
        audience=_split(row["audience"]),
        tags=_split(row["tags"]),
        file_id=row["file_id"],
        file_unique_id=row["file_unique_id"],
        file_name=row["file_name"],
        file_size=row["file_size"],
        mime_type=row["mime_type"],
        file_type=row["file_type"],
        url=row["url"],
        published_at=row["published_at"],
        version=row["version"],
        supersedes=row["supersedes"],
        status=row["status"],
        downloads=row["downloads"],
    )


def _columns(m: MaterialInput) -> tuple[object, ...]:
    """The editable columns, in the order of INSERT and UPDATE below."""
    return (
        m.title,
        m.description,
        m.kind.value,
        "|".join(m.audience),
        "|".join(m.tags),
        m.file_id,
        m.file_unique_id,
        m.file_name,
        m.file_size,
        m.mime_type,
        m.file_type,
        m.url,
        m.published_at,
    )


def shipped_topics() -> list[Topic]:
    text = resources.files("catalog.data").joinpath("topics.csv").read_text("utf-8")
    return [
        Topic(r["code"], r["title"], r["description"]) for r in csv.DictReader(io.StringIO(text))
    ]


class _Caches:
    """What every CatalogRepo of one database shares, so that a change made through any of
    them is seen by all at once. Everything here is dropped together when the catalog changes:
    through a repository at once, from another process within VERSION_CHECK seconds."""

    def __init__(self, glossary: Glossary) -> None:
        self.glossary = glossary
        # The catalog version the caches reflect, and when it was last compared with the
        # database's.
        self.version = -1
        self.checked = -math.inf
        # Bumped by every drop: a read that overlapped a change is not kept.
        self.epoch = 0
        # Bumped by every download counted: only cached materials carry the counts, and a
        # read that overlapped a count may have missed it.
        self.counted = 0
        self.surfaces: set[str] | None = None
        # Saved search texts by id and back; they never change.
        self.query_texts: dict[int, str] = {}
        self.query_ids: dict[str, int] = {}
        self.drop()

    def drop(self) -> None:
        self.epoch += 1
        self.vocab: Vocabulary | None = None
        self.topics: tuple[Topic, ...] | None = None
        self.titles: Mapping[str, str] | None = None
        self.topic_counts: tuple[float, Mapping[str, int]] | None = None
        # Recent search results. People ask the same few dozen things all day («ЭЛН»,
        # «ЦАМИ»), and the catalog changes a few times a week: a repeated query skips the
        # index. Popularity (the order of equal matches) may lag by up to RESULTS_TTL.
        self.results: OrderedDict[tuple[str, bool], tuple[float, SearchResult]] = OrderedDict()
        # Query plans (normalised, corrected, expanded by the glossary) of recent queries.
        self.plans: dict[str, QueryPlan] = {}
        # Materials by id, for cards and result lists: the same few hundred all day.
        self.materials: dict[int, tuple[float, Material]] = {}


class CatalogRepo:
    """Materials and their search. Cheap to build: the caches belong to the database and are
    shared by every repository built on it with the same glossary."""

    def __init__(self, db: Database, glossary: Glossary | None = None) -> None:
        self.db = db
        shared = db.shared("catalog", lambda: _Caches(glossary or Glossary.load()))
        if glossary is None or glossary is shared.glossary:
            self._c = shared
        else:
            # Results depend on the glossary: a repository with another one keeps its own.
            self._c = _Caches(glossary)
        self.glossary = self._c.glossary

    # -- topics ------------------------------------------------------------------------------

    async def ensure_topics(self) -> None:
        """Seed the shipped directions once; later edits by admins are kept."""
        row = await self.db.fetchone("SELECT COUNT(*) AS n FROM topics")
        if row and row["n"]:
            return
        await self.save_topics(shipped_topics())

    async def save_topics(self, topics: list[Topic]) -> None:
        def run(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT INTO topics (code, title, description, position) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (code) DO UPDATE SET title = excluded.title,"
                " description = excluded.description",
                [(t.code, t.title, t.description, pos) for pos, t in enumerate(topics)],
            )

        await self._change(run)

    async def topics(self) -> tuple[Topic, ...]:
        await self._fresh()
        cached = self._c.topics
        if cached is None:
            epoch = self._c.epoch
            rows = await self.db.fetchall(
                "SELECT code, title, description FROM topics ORDER BY position, code"
            )
            cached = tuple(Topic(r["code"], r["title"], r["description"]) for r in rows)
            if epoch == self._c.epoch:
                self._c.topics = cached
        return cached

    async def topic_titles(self) -> Mapping[str, str]:
        await self._fresh()
        titles = self._c.titles
        if titles is None:
            epoch = self._c.epoch
            titles = MappingProxyType({t.code: t.title for t in await self.topics()})
            if epoch == self._c.epoch:
                self._c.titles = titles
        return titles

    # -- materials ---------------------------------------------------------------------------

    async def get(self, material_id: int) -> Material | None:
        found = await self.get_many([material_id])
        return found[0] if found else None

    async def get_many(self, ids: Sequence[int]) -> list[Material]:
        """Materials in the order of ``ids``; missing ones are left out."""
        await self._fresh()
        now = time.monotonic()
        by_id: dict[int, Material] = {}
        for i in ids:
            cached = self._c.materials.get(i)
            if cached is not None and now - cached[0] < RESULTS_TTL:
                by_id[i] = cached[1]
        missing = [i for i in dict.fromkeys(ids) if i not in by_id]
        if missing:
            seen = (self._c.epoch, self._c.counted)
            loaded = await self._load(missing)
            if seen == (self._c.epoch, self._c.counted):
                if len(self._c.materials) > RESULTS_CACHED:
                    self._c.materials.clear()
                self._c.materials.update((m.id, (now, m)) for m in loaded)
            by_id.update((m.id, m) for m in loaded)
        return [by_id[i] for i in ids if i in by_id]

    async def _load(self, ids: list[int]) -> list[Material]:
        # Download counters may be waiting in the batch.
        await self.db.flush()
        # One query for rows, one for topics.
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetchall(f"SELECT * FROM materials WHERE id IN ({marks})", ids)  # noqa: S608 - placeholders only
        links = await self.db.fetchall(
            f"SELECT material_id, topic_code FROM material_topics WHERE material_id IN ({marks})"  # noqa: S608
            " ORDER BY position",
            ids,
        )
        topics: dict[int, list[str]] = {}
        for link in links:
            topics.setdefault(link["material_id"], []).append(link["topic_code"])
        return [_material(r, tuple(topics.get(r["id"], []))) for r in rows]

    async def by_file_unique_id(self, file_unique_id: str) -> Material | None:
        row = await self.db.fetchone(
            "SELECT id FROM materials WHERE file_unique_id = ?", (file_unique_id,)
        )
        return await self.get(row["id"]) if row else None

    async def by_url(self, url: str) -> Material | None:
        row = await self.db.fetchone("SELECT id FROM materials WHERE url = ? ORDER BY id", (url,))
        return await self.get(row["id"]) if row else None

    async def create(
        self,
        m: MaterialInput,
        created_by: int | None = None,
        *,
        material_id: int | None = None,
        supersedes: int | None = None,
        version: int = 1,
    ) -> int:
        titles = await self.topic_titles()
        return await self._change(
            lambda c: self._insert(c, m, titles, created_by, material_id, supersedes, version)
        )

    async def update(self, material_id: int, m: MaterialInput) -> None:
        """Replace every editable field of a material (its file included) and reindex it."""
        titles = await self.topic_titles()
        await self._change(lambda c: self._update(c, material_id, m, titles))

    async def upsert(self, m: MaterialInput, material_id: int | None = None) -> tuple[int, bool]:
        """Insert or update by id, else by url. Returns (id, created)."""
        titles = await self.topic_titles()
        return await self._change(lambda c: self._upsert(c, m, material_id, titles))

    async def upsert_many(
        self, rows: list[tuple[MaterialInput, int | None]]
    ) -> list[tuple[int, bool] | Exception]:
        """Several upserts in one transaction (bulk import); a failing row is returned as its
        exception and rolled back alone, the others are kept."""
        titles = await self.topic_titles()

        def run(conn: sqlite3.Connection) -> list[tuple[int, bool] | Exception]:
            out: list[tuple[int, bool] | Exception] = []
            for m, material_id in rows:
                conn.execute("SAVEPOINT row")
                try:
                    out.append(self._upsert(conn, m, material_id, titles))
                except sqlite3.Error as e:
                    conn.execute("ROLLBACK TO row")
                    out.append(e)
                conn.execute("RELEASE row")
            return out

        try:
            return await self._change(run)
        finally:
            # A row rolled back alone may have added surfaces that never reached disk.
            self._c.surfaces = None

    async def new_version(self, old_id: int, m: MaterialInput, created_by: int | None) -> int:
        """A new material replaces ``old_id``: the old one is archived, the new one records
        what it supersedes and takes over the file's unique id."""
        titles = await self.topic_titles()

        def run(conn: sqlite3.Connection) -> int:
            row = conn.execute("SELECT version FROM materials WHERE id = ?", (old_id,)).fetchone()
            if row is None:
                raise LookupError(old_id)
            conn.execute(
                "UPDATE materials SET status = 'archived', file_unique_id = NULL, updated_at = ?"
                " WHERE id = ?",
                (self.db.stamp(), old_id),
            )
            return self._insert(conn, m, titles, created_by, None, old_id, row["version"] + 1)

        return await self._change(run)

    async def successor(self, material_id: int) -> int | None:
        row = await self.db.fetchone(
            "SELECT id FROM materials WHERE supersedes = ? ORDER BY id DESC LIMIT 1",
            (material_id,),
        )
        return row["id"] if row else None

    async def set_status(self, material_id: int, status: str) -> bool:
        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE materials SET status = ?, updated_at = ? WHERE id = ? AND status != ?",
                (status, self.db.stamp(), material_id, status),
            )
            return cur.rowcount > 0

        return await self._change(run)

    # The synchronous writers below run inside Database.write, in its worker thread.

    def _insert(
        self,
        conn: sqlite3.Connection,
        m: MaterialInput,
        titles: Mapping[str, str],
        created_by: int | None,
        material_id: int | None,
        supersedes: int | None,
        version: int,
    ) -> int:
        now = self.db.stamp()
        cur = conn.execute(
            """
            INSERT INTO materials (id, title, description, kind, audience, tags, file_id,
                file_unique_id, file_name, file_size, mime_type, file_type, url, published_at,
                version, supersedes, created_by, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (material_id, *_columns(m), version, supersedes, created_by, now, now),
        )
        new_id = int(cur.lastrowid or 0)
        self._set_topics(conn, new_id, m.topics)
        self._index(conn, new_id, titles, m)
        return new_id

    def _update(
        self,
        conn: sqlite3.Connection,
        material_id: int,
        m: MaterialInput,
        titles: Mapping[str, str],
    ) -> None:
        conn.execute(
            """
            UPDATE materials SET title = ?, description = ?, kind = ?, audience = ?, tags = ?,
                file_id = ?, file_unique_id = ?, file_name = ?, file_size = ?, mime_type = ?,
                file_type = ?, url = ?, published_at = ?, updated_at = ?
            WHERE id = ?
            """,
            (*_columns(m), self.db.stamp(), material_id),
        )
        self._set_topics(conn, material_id, m.topics)
        self._index(conn, material_id, titles, m)

    def _upsert(
        self,
        conn: sqlite3.Connection,
        m: MaterialInput,
        material_id: int | None,
        titles: Mapping[str, str],
    ) -> tuple[int, bool]:
        if material_id is not None:
            row = conn.execute("SELECT id FROM materials WHERE id = ?", (material_id,)).fetchone()
        elif m.url:
            row = conn.execute(
                "SELECT id FROM materials WHERE url = ? ORDER BY id LIMIT 1", (m.url,)
            ).fetchone()
        else:
            row = None
        if row is None:
            return self._insert(conn, m, titles, None, material_id, None, 1), True
        existing = int(row["id"])
        if m.file_id is None:
            # An import carries no file; keep the one a methodologist uploaded.
            old = conn.execute(
                "SELECT file_id, file_unique_id, file_name, file_size, mime_type, file_type"
                " FROM materials WHERE id = ?",
                (existing,),
            ).fetchone()
            m.file_id, m.file_unique_id, m.file_name = (
                old["file_id"],
                old["file_unique_id"],
                old["file_name"],
            )
            m.file_size, m.mime_type, m.file_type = (
                old["file_size"],
                old["mime_type"],
                old["file_type"],
            )
        self._update(conn, existing, m, titles)
        return existing, False

    def _set_topics(self, conn: sqlite3.Connection, material_id: int, topics: list[str]) -> None:
        conn.execute("DELETE FROM material_topics WHERE material_id = ?", (material_id,))
        conn.executemany(
            "INSERT INTO material_topics (material_id, topic_code, position) VALUES (?, ?, ?)",
            [(material_id, code, pos) for pos, code in enumerate(topics)],
        )

    def _index(
        self,
        conn: sqlite3.Connection,
        material_id: int,
        titles: Mapping[str, str],
        m: MaterialInput | None = None,
    ) -> None:
        """Write a material's index terms; ``m`` spares reading back what was just written."""
        if m is None:
            row = conn.execute(
                "SELECT title, description, kind, tags FROM materials WHERE id = ?",
                (material_id,),
            ).fetchone()
            if row is None:
                conn.execute("DELETE FROM materials_fts WHERE rowid = ?", (material_id,))
                return
            topics = [
                r["topic_code"]
                for r in conn.execute(
                    "SELECT topic_code FROM material_topics WHERE material_id = ?"
                    " ORDER BY position",
                    (material_id,),
                )
            ]
            m = MaterialInput(
                title=row["title"],
                description=row["description"],
                kind=Kind(row["kind"]),
                tags=list(_split(row["tags"])),
                topics=topics,
            )
        doc = analyse(
            title=m.title,
            description=m.description,
            tags=m.tags,
            topic_titles=[titles.get(code, code) for code in m.topics],
            kind_title=KIND_TITLES[m.kind],
            glossary=self.glossary,
        )
        # INSERT OR REPLACE on an FTS5 table replaces the row with the same rowid.
        conn.execute(
            "INSERT OR REPLACE INTO materials_fts (rowid, title, tags, body) VALUES (?, ?, ?, ?)",
            (material_id, doc.title, doc.tags, doc.body),
        )
        if self._c.surfaces is None:
            self._c.surfaces = {r[0] for r in conn.execute("SELECT term FROM term_surface")}
        new = [(t, w) for t, w in doc.surfaces.items() if t not in self._c.surfaces]
        if new:
            conn.executemany(
                "INSERT INTO term_surface (term, surface) VALUES (?, ?) ON CONFLICT DO NOTHING",
                new,
            )
            self._c.surfaces.update(t for t, _ in new)

    async def reindex(self) -> int:
        """Rebuild the whole search index, e.g. after the glossary changed."""
        titles = await self.topic_titles()

        def run(conn: sqlite3.Connection) -> int:
            ids = [r[0] for r in conn.execute("SELECT id FROM materials")]
            conn.execute("DELETE FROM materials_fts")
            conn.execute("DELETE FROM term_surface")
            self._c.surfaces = set()
            for material_id in ids:
                self._index(conn, material_id, titles)
            return len(ids)

        return await self._change(run)

    # -- search ------------------------------------------------------------------------------

    async def vocabulary(self) -> Vocabulary:
        await self._fresh()
        if self._c.vocab is None:
            epoch = self._c.epoch
            df: dict[str, int] = {}
            async for term, docs in self._pages("SELECT term, doc FROM materials_vocab"):
                df[term] = docs
            # Every material is indexed. COUNT(*) on the FTS5 table would read every indexed
            # text (at 100k materials, 1 s and 100 MB of the file); this one walks an index.
            total = await self.db.fetchone("SELECT COUNT(*) AS n FROM materials")
            surfaces: dict[str, str] = {}
            async for term, surface in self._pages("SELECT term, surface FROM term_surface"):
                surfaces[term] = surface
            vocab = Vocabulary(df, total["n"] if total else 0, surfaces)
            if epoch != self._c.epoch:
                return vocab
            self._c.vocab = vocab
        return self._c.vocab

    async def _pages(self, select: str) -> AsyncIterator[tuple[str, Any]]:
        """Rows of a table keyed by ``term``, a page at a time: 130,000 rows fetched at once
        would take as much memory, briefly, as the vocabulary built from them."""
        last = ""
        while True:
            rows = await self.db.fetchall(
                f"{select} WHERE term > ? ORDER BY term LIMIT ?",
                (last, VOCABULARY_PAGE),
            )
            for row in rows:
                yield row[0], row[1]
            if len(rows) < VOCABULARY_PAGE:
                return
            last = rows[-1][0]

    async def suggestion(self, query_plan: QueryPlan) -> str | None:
        return suggest(query_plan, await self.vocabulary(), self.glossary)

    async def plan(self, query: str) -> QueryPlan:
        await self._fresh()
        cached = self._c.plans.get(query)
        if cached is not None:
            return cached
        epoch = self._c.epoch
        found = plan(query, await self.vocabulary(), self.glossary)
        if epoch == self._c.epoch and len(query) <= PLANNED_QUERY:
            if len(self._c.plans) >= RESULTS_CACHED:
                self._c.plans.clear()
            self._c.plans[query] = found
        return found

    async def _fresh(self) -> None:
        """Drop the caches if another process changed the catalog; looked at once every
        VERSION_CHECK seconds, since a change through this process drops them at once."""
        now = time.monotonic()
        if now - self._c.checked < VERSION_CHECK:
            return
        self._c.checked = now
        row = await self.db.fetchone("SELECT version FROM catalog_version")
        version = int(row["version"]) if row else 0
        if version != self._c.version:
            self._c.drop()
            self._c.surfaces = None
            self._c.version = version

    async def _change(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """A write to the catalog, with its version bumped in the same transaction. Caches are
        dropped on both sides of it, so that a read running meanwhile (which may see the
        catalog before or after) is not kept."""

        def run(conn: sqlite3.Connection) -> tuple[T, int]:
            result = fn(conn)
            (version,) = conn.execute(
                "UPDATE catalog_version SET version = version + 1 RETURNING version"
            ).fetchone()
            return result, int(version)

        self._c.drop()
        try:
            result, version = await self.db.write(run)
        except BaseException:
            # A rolled-back write may have added surfaces to the cache that never reached disk.
            self._c.surfaces = None
            raise
        finally:
            self._c.drop()
        self._c.version, self._c.checked = version, time.monotonic()
        return result

    async def search(self, query: str, *, include_archived: bool = False) -> SearchResult:
        await self._fresh()
        key = (query, include_archived)
        now = time.monotonic()
        cached = self._c.results.get(key)
        if cached is not None and now - cached[0] < RESULTS_TTL:
            self._c.results.move_to_end(key)
            return cached[1]
        epoch = self._c.epoch
        found = await self._search(query, include_archived)
        if epoch == self._c.epoch:
            self._c.results[key] = (now, found)
            if len(self._c.results) > RESULTS_CACHED:
                self._c.results.popitem(last=False)
        return found

    async def _search(self, query: str, include_archived: bool) -> SearchResult:
        query_plan = await self.plan(query)
        if query_plan.empty:
            return SearchResult(query_plan, ())
        # Popularity orders ties: counts waiting in the batch must be in.
        await self.db.flush()
        # Tiers, cheapest first; each runs only if the ones before found too little.
        rows: list[sqlite3.Row] = []
        seen: set[int] = set()

        async def add(match: str, order: str) -> None:
            for row in await self._candidates(match, include_archived, order=order):
                if row["id"] not in seen:
                    seen.add(row["id"])
                    rows.append(row)

        total = (await self.vocabulary()).total_docs
        broad = query_plan.rows_any() > RANK_ROWS
        strict = query_plan.fts_query_all()
        if strict is not None and query_plan.rows_all(total) > RANK_ROWS:
            # Every word present, in thousands of materials: too many for bm25, so the newest,
            # those with every word in the title first.
            await add(query_plan.fts_query_all(titles=True) or strict, NEWEST)
            if len(rows) < CANDIDATES:
                await add(strict, NEWEST)
        elif strict is not None:
            # Every word present: few rows, and the best ones.
            await add(strict, BM25)
        if len(rows) < ENOUGH_STRICT:
            # One word, or too few full matches: title matches outrank every other match, and
            # for one word they tie, so popularity orders them without bm25 over every row.
            title_order = POPULAR if query_plan.single else BM25
            await add(query_plan.fts_query_title(), NEWEST if broad else title_order)
            if len(rows) < CANDIDATES:
                await add(query_plan.fts_query(), NEWEST if broad else BM25)
        candidates = [
            Candidate(
                r["id"],
                r["title"],
                r["tags"],
                r["body"],
                r["downloads"],
                r["published_at"],
                r["kind"],
            )
            for r in rows
        ]
        return SearchResult(query_plan, tuple(r.id for r in rank(query_plan, candidates)))

    async def _candidates(
        self, match: str, include_archived: bool, *, order: str = BM25
    ) -> list[sqlite3.Row]:
        # CROSS JOIN keeps the FTS match as the outer loop: ordered by popularity, SQLite would
        # otherwise walk the popularity index and run the match once per material.
        status = "" if include_archived else "AND m.status = 'active'"
        params: tuple[str | float | int, ...]
        if order == BM25:
            order, params = "bm25(materials_fts, ?, ?, ?)", (match, *BM25_WEIGHTS, CANDIDATES)
        elif order == POPULAR:
            order, params = "m.downloads DESC, m.published_at DESC", (match, CANDIDATES)
        else:
            # FTS5 walks its matches in rowid order by itself and stops at the limit.
            order, params = "f.rowid DESC", (match, CANDIDATES)
        return await self.db.fetchall(
            f"""
            SELECT f.rowid AS id, f.title, f.tags, f.body, m.downloads, m.published_at, m.kind
            FROM materials_fts f CROSS JOIN materials m ON m.id = f.rowid
            WHERE materials_fts MATCH ? {status}
            ORDER BY {order} LIMIT ?
            """,  # noqa: S608 - only constant fragments are interpolated
            params,
        )

    async def popular(self, limit: int, offset: int = 0) -> list[int]:
        await self.db.flush()
        rows = await self.db.fetchall(
            "SELECT id FROM materials WHERE status = 'active'"
            " ORDER BY downloads DESC, published_at DESC, id DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [r["id"] for r in rows]

    async def browse(self, topic: str, kind: Kind | None) -> list[int]:
        kind_filter = "AND m.kind = ?" if kind else ""
        params: tuple[str, ...] = (topic, kind.value) if kind else (topic,)
        rows = await self.db.fetchall(
            f"""
            SELECT m.id FROM material_topics mt JOIN materials m ON m.id = mt.material_id
            WHERE mt.topic_code = ? AND m.status = 'active' {kind_filter}
            ORDER BY m.published_at DESC, m.id DESC
            """,  # noqa: S608 - a constant fragment
            params,
        )
        return [r["id"] for r in rows]

    async def kinds_in_topic(self, topic: str) -> dict[Kind, int]:
        rows = await self.db.fetchall(
            "SELECT m.kind, COUNT(*) AS n FROM material_topics mt"
            " JOIN materials m ON m.id = mt.material_id"
            " WHERE mt.topic_code = ? AND m.status = 'active' GROUP BY m.kind",
            (topic,),
        )
        return {Kind(r["kind"]): r["n"] for r in rows}

    async def topic_counts(self) -> Mapping[str, int]:
        """Active materials per direction."""
        await self._fresh()
        now = time.monotonic()
        cached = self._c.topic_counts
        if cached is not None and now - cached[0] < RESULTS_TTL:
            return cached[1]
        epoch = self._c.epoch
        rows = await self.db.fetchall(
            "SELECT mt.topic_code, COUNT(*) AS n FROM material_topics mt"
            " JOIN materials m ON m.id = mt.material_id WHERE m.status = 'active'"
            " GROUP BY mt.topic_code"
        )
        counts = MappingProxyType({r["topic_code"]: r["n"] for r in rows})
        if epoch == self._c.epoch:
            self._c.topic_counts = (now, counts)
        return counts

    async def count(self) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) AS n FROM materials")
        return int(row["n"]) if row else 0

    # -- counting ----------------------------------------------------------------------------

    async def record_download(
        self, material_id: int, user_id: int | None, chat_id: int | None, channel: str
    ) -> None:
        """One delivery: a row and the material's counter, written with the next batch of log
        rows (Database.defer) in one transaction. Whoever reads counts sees it at once: cards
        through the cache here, reports and misses of the cache by flushing first."""
        if channel not in CHANNELS:
            raise ValueError(channel)
        self.db.defer(
            "INSERT INTO downloads (material_id, user_id, chat_id, channel, at)"
            " VALUES (?, ?, ?, ?, ?)",
            (material_id, user_id, chat_id, channel, self.db.stamp()),
        )
        self.db.defer("UPDATE materials SET downloads = downloads + 1 WHERE id = ?", (material_id,))
        # A read of this material running meanwhile may have missed the count: not kept.
        self._c.counted += 1
        cached = self._c.materials.get(material_id)
        if cached is not None:
            counted = replace(cached[1], downloads=cached[1].downloads + 1)
            self._c.materials[material_id] = (cached[0], counted)

    async def downloads_since(self, material_id: int, since_iso: str) -> int:
        await self.db.flush()
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM downloads WHERE material_id = ? AND at >= ?",
            (material_id, since_iso),
        )
        return int(row["n"]) if row else 0

    async def save_search(
        self, query: str, user_id: int | None, channel: str, normalised: str, results: int
    ) -> int:
        """Log a search and return the saved id of its text, for the buttons under it."""
        self.db.defer(
            "INSERT INTO searches (user_id, channel, query, normalised, results, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, channel, query[:256], normalised[:256], results, self.db.stamp()),
        )
        return await self.save_query(query)

    async def add_wish(self, user_id: int | None, query: str) -> None:
        """A person asks for a material nobody found; the same ask within an hour counts once."""
        now = self.db.now()
        hour_ago = (now - timedelta(hours=1)).isoformat(timespec="seconds")
        await self.db.execute(
            "INSERT INTO material_wishes (user_id, query, at) SELECT ?, ?, ? WHERE NOT EXISTS"
            " (SELECT 1 FROM material_wishes WHERE user_id IS ? AND query = ? AND at > ?)",
            (
                user_id,
                query[:256],
                now.isoformat(timespec="seconds"),
                user_id,
                query[:256],
                hour_ago,
            ),
        )

    # -- saved queries (for buttons) ---------------------------------------------------------

    async def save_query(self, query: str) -> int:
        """An id for the text, for callback data; the same text keeps its id while cached."""
        text = query[:256]
        qid = self._c.query_ids.get(text)
        if qid is None:
            qid = await self.db.execute(
                "INSERT INTO saved_queries (query, at) VALUES (?, ?)", (text, self.db.stamp())
            )
            self._remember_query(qid, text)
        return qid

    async def saved_query(self, query_id: int) -> str | None:
        text = self._c.query_texts.get(query_id)
        if text is None:
            row = await self.db.fetchone(
                "SELECT query FROM saved_queries WHERE id = ?", (query_id,)
            )
            if row is None:
                return None
            text = str(row["query"])
            self._remember_query(query_id, text)
        return text

    def _remember_query(self, qid: int, text: str) -> None:
        # Saved queries never change, so only the size is bounded.
        if len(self._c.query_texts) >= QUERIES_CACHED:
            self._c.query_texts.clear()
            self._c.query_ids.clear()
        self._c.query_texts[qid] = text
        self._c.query_ids.setdefault(text, qid)

    async def export_records(self) -> list[dict[str, str]]:
        """Every material as a row with the import columns, so an export re-imports as is,
        and what an export also shows: its status, whether it is held for possible personal
        data, and its downloads."""
        rows = await self.db.fetchall(
            "SELECT m.*, (SELECT group_concat(topic_code, '|') FROM"
            " (SELECT topic_code FROM material_topics WHERE material_id = m.id ORDER BY position))"
            " AS topic_codes, EXISTS (SELECT 1 FROM pd_holds h WHERE h.material_id = m.id"
            " AND h.decision IS NULL) AS held FROM materials m ORDER BY m.id"
        )
        return [
            {
                "id": str(r["id"]),
                "title": r["title"],
                "description": r["description"],
                "kind": r["kind"],
                "topics": r["topic_codes"] or "",
                "audience": r["audience"],
                "tags": r["tags"],
                "url": r["url"] or "",
                "published_at": r["published_at"],
                "status": r["status"],
                "held": "1" if r["held"] else "",
                "downloads": str(r["downloads"]),
            }
            for r in rows
        ]

    async def put_topic(self, topic: Topic) -> bool:
        """Add or rename a direction; its materials are reindexed (topic titles are searchable).
        Returns True when the topic is new."""
        titles = dict(await self.topic_titles())
        titles[topic.code] = topic.title

        def run(conn: sqlite3.Connection) -> bool:
            existed = conn.execute("SELECT 1 FROM topics WHERE code = ?", (topic.code,)).fetchone()
            conn.execute(
                "INSERT INTO topics (code, title, description, position)"
                " VALUES (?, ?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM topics))"
                " ON CONFLICT (code) DO UPDATE SET title = excluded.title",
                (topic.code, topic.title, topic.description),
            )
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT material_id FROM material_topics WHERE topic_code = ?", (topic.code,)
                )
            ]
            for material_id in ids:
                self._index(conn, material_id, titles)
            return existed is None

        return await self._change(run)

    # -- holds for possible personal data ----------------------------------------------------

    async def hold(self, material_id: int, findings: Sequence[Finding], by: int | None) -> None:
        """Archive the material and open (or reopen) its hold, in one transaction."""
        payload = json.dumps(
            [{"kind": f.kind, "where": f.where, "shown": f.shown} for f in findings],
            ensure_ascii=False,
        )
        now = self.db.stamp()

        def run(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE materials SET status = 'archived', updated_at = ? WHERE id = ?",
                (now, material_id),
            )
            conn.execute(
                "INSERT INTO pd_holds (material_id, findings, held_by, held_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (material_id) DO UPDATE SET"
                " findings = excluded.findings, held_by = excluded.held_by,"
                " held_at = excluded.held_at, decision = NULL, decided_by = NULL,"
                " decided_at = NULL",
                (material_id, payload, by, now),
            )

        await self._change(run)

    async def hold_of(self, material_id: int) -> Hold | None:
        row = await self.db.fetchone(
            "SELECT h.*, m.title FROM pd_holds h JOIN materials m ON m.id = h.material_id"
            " WHERE h.material_id = ?",
            (material_id,),
        )
        if row is None:
            return None
        findings = tuple(Finding(**f) for f in json.loads(row["findings"]))
        return Hold(material_id, row["title"], findings, row["held_by"], row["decision"])

    async def decide_hold(self, material_id: int, publish: bool, by: int) -> bool:
        """Publish anyway, or keep the material archived; False if already decided."""
        now = self.db.stamp()

        def run(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE pd_holds SET decision = ?, decided_by = ?, decided_at = ?"
                " WHERE material_id = ? AND decision IS NULL",
                ("published" if publish else "kept", by, now, material_id),
            )
            if cur.rowcount == 0:
                return False
            if publish:
                conn.execute(
                    "UPDATE materials SET status = 'active', updated_at = ? WHERE id = ?",
                    (now, material_id),
                )
            return True

        return await self._change(run)
