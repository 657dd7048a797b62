"""The directory of the region's medical organisations (МО): its types, import validation and
matching what a tutor types against names, short names and districts, tolerant of the wrong
keyboard layout and of typos as the catalog search is. Pure."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import islice

from rapidfuzz.distance import OSA

from catalog.importer import RowProblem
from catalog.text import en_to_ru, has_cyrillic, has_latin, stem, words

COLUMNS = ("name", "short_name", "district", "type", "staff")
REQUIRED = ("name", "short_name", "type")
MAX_ROWS = 2_000
MAX_STAFF = 100_000
# Words of a query that are matched; a longer one is cut.
MAX_WORDS = 8
# A word as written, case and all («Кичменгско-Городецкая» is two).
_RAW_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+")


class OrgType(StrEnum):
    CRB = "crb"  # центральная районная больница
    HOSPITAL = "hospital"
    POLYCLINIC = "polyclinic"
    DENTAL = "dental"
    SMP = "smp"
    MATERNITY = "maternity"
    BLOOD = "blood"
    DISPENSARY = "dispensary"
    CENTRE = "centre"
    MSE = "mse"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class OrgInput:
    name: str
    short_name: str
    district: str
    type: OrgType
    staff: int | None = None


@dataclass(slots=True)
class OrgPlan:
    rows: list[OrgInput] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def parse(records: Iterable[dict[str, str]]) -> OrgPlan:
    """Validate the rows of an imported directory; a short name may appear only once."""
    plan = OrgPlan()
    seen: set[str] = set()
    for index, record in enumerate(records):
        row = index + 2
        if index >= MAX_ROWS:
            plan.problems.append(
                RowProblem(row, "", f"больше {MAX_ROWS} строк, остальное пропущено")
            )
            break
        if not any(v.strip() for v in record.values()):
            continue
        name = " ".join(record.get("name", "").split())
        short = " ".join(record.get("short_name", "").split())
        kind = record.get("type", "").strip().lower()
        raw_staff = record.get("staff", "").strip()
        if not 3 <= len(name) <= 250:
            plan.problems.append(RowProblem(row, "name", "название — от 3 до 250 символов"))
            continue
        if not 2 <= len(short) <= 60:
            plan.problems.append(RowProblem(row, "short_name", "краткое название — 2–60 символов"))
            continue
        if short.lower() in seen:
            plan.problems.append(RowProblem(row, "short_name", f"«{short}» уже встречалось"))
            continue
        if kind not in {t.value for t in OrgType}:
            allowed = ", ".join(t.value for t in OrgType)
            plan.problems.append(
                RowProblem(row, "type", f"тип «{kind[:20]}»: нужен один из {allowed}")
            )
            continue
        staff = parse_staff(raw_staff)
        if raw_staff and staff is None:
            plan.problems.append(
                RowProblem(row, "staff", f"численность — целое число от 1 до {MAX_STAFF}")
            )
            continue
        seen.add(short.lower())
        district = " ".join(record.get("district", "").split())[:100]
        plan.rows.append(OrgInput(name, short, district, OrgType(kind), staff))
    return plan


def parse_staff(raw: str) -> int | None:
    raw = raw.strip().replace(" ", "")
    if not raw.isdigit() or not 0 < int(raw) <= MAX_STAFF:
        return None
    return int(raw)


class Terms:
    """Stems and raw words of an organisation's names, for matching whole and partial words;
    with each word as the directory writes it («Сокольская»), to echo what was understood."""

    __slots__ = ("_set", "_sorted", "surfaces")

    def __init__(self, terms: Iterable[str], surfaces: dict[str, str] | None = None) -> None:
        self._set = frozenset(terms)
        # Sorted, a prefix is found by bisection: a tutor's every keystroke is matched against
        # the whole directory.
        self._sorted = tuple(sorted(self._set))
        self.surfaces = surfaces or {}

    def __contains__(self, word: object) -> bool:
        return word in self._set

    def __iter__(self) -> Iterator[str]:
        return iter(self._sorted)

    def has_prefix(self, prefix: str) -> bool:
        i = bisect_left(self._sorted, prefix)
        return i < len(self._sorted) and self._sorted[i].startswith(prefix)


def search_terms(*texts: str) -> Terms:
    found: set[str] = set()
    surfaces: dict[str, str] = {}
    for text in texts:
        for raw in _RAW_WORD.findall(unicodedata.normalize("NFKC", text)):
            for word in words(raw):
                found.add(word)
                found.add(stem(word))
                surfaces.setdefault(word, raw if words(raw) == [word] else word)
    return Terms(found, surfaces)


def allowed_edits(word: str) -> int:
    """A one-letter typo from four letters on, two from eight («великоустюская»)."""
    if len(word) < 4 or word.isdigit():
        return 0
    return 1 if len(word) < 8 else 2


@dataclass(frozen=True, slots=True)
class QueryWord:
    text: str
    stem: str
    # Directory words it may be a typo of (whole, or as the start of a longer one), nearest
    # first; empty unless the word itself matches nothing in the directory.
    fixes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OrgQuery:
    """A typed organisation name, split once: each reading is its words with their stems
    (the Latin-layout reading is a second one) and, against a directory, their typo fixes."""

    readings: tuple[tuple[QueryWord, ...], ...]
    # Each reading as text, and the query as typed: to echo what was understood.
    texts: tuple[str, ...] = ()
    typed: str = ""

    @classmethod
    def of(cls, query: str, index: TermIndex | None = None) -> OrgQuery:
        texts = [query]
        tokens = query.split()
        if has_latin(query) and not has_cyrillic(query):
            texts.append(en_to_ru(query))
        elif any(has_latin(t) and not has_cyrillic(t) for t in tokens):
            # «сокольская wh,»: only the tokens typed on the other layout are converted.
            texts.append(
                " ".join(en_to_ru(t) if has_latin(t) and not has_cyrillic(t) else t for t in tokens)
            )
        readings = []
        kept = []
        for text in texts:
            wanted = words(text)[:MAX_WORDS]
            if wanted:
                readings.append(
                    tuple(
                        QueryWord(w, stem(w), index.fixes(w) if index is not None else ())
                        for w in wanted
                    )
                )
                kept.append(text)
        return cls(tuple(readings), tuple(kept), query)


class TermIndex:
    """Which organisations of a directory could match a query, found without scoring them all:
    every match must pass its first word, so the first word's hits are the candidates."""

    def __init__(self, directory: list[Terms]) -> None:
        self._by_term: dict[str, list[int]] = {}
        self.surfaces: dict[str, str] = {}
        # A stem -> a directory word with it, to spell «тотемскя» as «Тотемская».
        self._by_stem: dict[str, str] = {}
        for position, terms in enumerate(directory):
            for term in terms:
                self._by_term.setdefault(term, []).append(position)
            for word, surface in terms.surfaces.items():
                self.surfaces.setdefault(word, surface)
                self._by_stem.setdefault(stem(word), surface)
        self._sorted = sorted(self._by_term)

    def known(self, word: str) -> bool:
        """The word, or its stem, or a longer word it starts, is in the directory."""
        if word in self._by_term or stem(word) in self._by_term:
            return True
        i = bisect_left(self._sorted, word)
        return i < len(self._sorted) and self._sorted[i].startswith(word)

    def fixes(self, word: str) -> tuple[str, ...]:
        """Directory words the typed one is a typo of, whole or as the start of a longer one
        («сакольс» -> «сокольская»); none for a word the directory knows as it is."""
        allowed = allowed_edits(word)
        if not allowed or self.known(word):
            return ()
        found: list[tuple[int, bool, bool, str]] = []
        for term in self._sorted:
            if len(term) + allowed < len(word) or term.isdigit():
                continue
            whole = OSA.distance(word, term, score_cutoff=allowed)
            start = OSA.distance(word, term[: len(word)], score_cutoff=allowed)
            best = min(whole, start)
            if best <= allowed:
                # Words before stems, whole words before starts of longer ones.
                found.append((best, term not in self.surfaces, whole > allowed, term))
        found.sort()
        # Only the nearest: «сакольская» is «сокольская», not also «никольская».
        return tuple(t for d, _, _, t in found if d == found[0][0])

    def candidates(self, query: OrgQuery) -> set[int]:
        found: set[int] = set()
        for reading in query.readings:
            first = reading[0]
            word, word_stem = first.text, first.stem
            found.update(self._by_term.get(word, ()))
            for fix in first.fixes:
                found.update(self._by_term.get(fix, ()))
            if word.isdigit():
                continue
            found.update(self._by_term.get(word_stem, ()))
            if len(word) >= 2:
                i = bisect_left(self._sorted, word)
                while i < len(self._sorted) and self._sorted[i].startswith(word):
                    found.update(self._by_term[self._sorted[i]])
                    i += 1
        return found

    def understood(self, query: OrgQuery, reading: int, terms: Terms) -> str:
        """The query as understood when it matched ``terms`` through ``reading``: tokens typed
        on the other layout converted and typos fixed, both spelt as the directory spells them
        («cjrjkmcrfz» -> «Сокольская»); every other token as typed."""
        flat = iter(query.readings[reading])
        typed = query.typed.split()
        out = []
        for n, token in enumerate(query.texts[reading].split()):
            ws = list(islice(flat, len(words(token))))
            converted = n >= len(typed) or token != typed[n]
            fixed = [next((f for f in w.fixes if f in terms), None) for w in ws]
            if not ws or not (converted or any(fixed) or any(self._respelt(w) for w in ws)):
                out.append(token)
                continue
            spelt = [
                terms.surfaces.get(f, f) if f is not None else self._spelling(w)
                for w, f in zip(ws, fixed, strict=True)
            ]
            out.append(("-" if "-" in token else " ").join(spelt))
        return " ".join(out)

    def _spelling(self, word: QueryWord) -> str:
        if word.text in self.surfaces:
            return self.surfaces[word.text]
        return self._by_stem.get(word.stem, word.text)

    def _respelt(self, word: QueryWord) -> bool:
        """A word matched through its stem only, not as written («тотемскя»)."""
        return word.text not in self.surfaces and word.stem in self._by_stem


def matches(query: str | OrgQuery, terms: Terms, name: str) -> int:
    """How well ``query`` matches an organisation: 0 is no match, higher is better.

    Every word of the query must be the start of some word of the organisation («вол гор
    пол 3»), or equal one of its stems («вологодской»), or, when the directory has no such
    word at all, be a typo of one of its words (one letter, two from eight letters). Numbers
    must match exactly, so «№ 2» never picks «№ 12». A query typed on the Latin layout is read
    as Russian too. Matching a whole directory, pass ``OrgQuery.of(query, index)`` so the query
    is split, and its typos looked up, once.
    """
    return best_reading(query, terms, name)[0]


def best_reading(query: str | OrgQuery, terms: Terms, name: str) -> tuple[int, int]:
    """The score of the best reading of the query, and which reading it is."""
    prepared = query if isinstance(query, OrgQuery) else OrgQuery.of(query)
    best = (0, 0)
    for i, reading in enumerate(prepared.readings):
        score = _score(reading, terms, name)
        if score > best[0]:
            best = (score, i)
    return best


def _score(reading: tuple[QueryWord, ...], terms: Terms, name: str) -> int:
    score = 0
    for word in reading:
        if word.text.isdigit():
            if word.text not in terms:
                return 0
            score += 3
        elif word.text in terms or word.stem in terms:
            score += 3
        elif len(word.text) >= 2 and terms.has_prefix(word.text):
            score += 2
        elif any(f in terms for f in word.fixes):
            score += 1
        else:
            return 0
    # Among equal matches, the shorter name is the closer one.
    return score * 1000 - min(len(name), 999)
