"""The directory of the region's medical organisations (МО): its types, import validation and
matching what a tutor types against names, short names and districts. Pure."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from catalog.importer import RowProblem
from catalog.text import en_to_ru, has_cyrillic, has_latin, stem, words

COLUMNS = ("name", "short_name", "district", "type", "staff")
REQUIRED = ("name", "short_name", "type")
MAX_ROWS = 2_000
MAX_STAFF = 100_000


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
    """Stems and raw words of an organisation's names, for matching whole and partial words."""

    __slots__ = ("_set", "_sorted")

    def __init__(self, terms: Iterable[str]) -> None:
        self._set = frozenset(terms)
        # Sorted, a prefix is found by bisection: a tutor's every keystroke is matched against
        # the whole directory.
        self._sorted = tuple(sorted(self._set))

    def __contains__(self, word: object) -> bool:
        return word in self._set

    def __iter__(self) -> Iterator[str]:
        return iter(self._sorted)

    def has_prefix(self, prefix: str) -> bool:
        i = bisect_left(self._sorted, prefix)
        return i < len(self._sorted) and self._sorted[i].startswith(prefix)


def search_terms(*texts: str) -> Terms:
    found: set[str] = set()
    for text in texts:
        for word in words(text):
            found.add(word)
            found.add(stem(word))
    return Terms(found)


@dataclass(frozen=True, slots=True)
class OrgQuery:
    """A typed organisation name, split once: each reading is its words with their stems
    (the Latin-layout reading is a second one)."""

    readings: tuple[tuple[tuple[str, str], ...], ...]

    @classmethod
    def of(cls, query: str) -> OrgQuery:
        texts = [query]
        if has_latin(query) and not has_cyrillic(query):
            texts.append(en_to_ru(query))
        readings = []
        for text in texts:
            wanted = words(text)[:8]
            if wanted:
                readings.append(tuple((w, stem(w)) for w in wanted))
        return cls(tuple(readings))


class TermIndex:
    """Which organisations of a directory could match a query, found without scoring them all:
    every match must pass its first word, so the first word's hits are the candidates."""

    def __init__(self, directory: list[Terms]) -> None:
        self._by_term: dict[str, list[int]] = {}
        for position, terms in enumerate(directory):
            for term in terms:
                self._by_term.setdefault(term, []).append(position)
        self._sorted = sorted(self._by_term)

    def candidates(self, query: OrgQuery) -> set[int]:
        found: set[int] = set()
        for reading in query.readings:
            word, word_stem = reading[0]
            found.update(self._by_term.get(word, ()))
            if word.isdigit():
                continue
            found.update(self._by_term.get(word_stem, ()))
            if len(word) >= 2:
                i = bisect_left(self._sorted, word)
                while i < len(self._sorted) and self._sorted[i].startswith(word):
                    found.update(self._by_term[self._sorted[i]])
                    i += 1
        return found


def matches(query: str | OrgQuery, terms: Terms, name: str) -> int:
    """How well ``query`` matches an organisation: 0 is no match, higher is better.

    Every word of the query must be the start of some word of the organisation («вол гор
    пол 3»), or equal one of its stems («вологодской»). Numbers must match exactly, so «№ 2»
    never picks «№ 12». A query typed on the Latin layout is read as Russian too. Matching a
    whole directory, pass ``OrgQuery.of(query)`` so the query is split once.
    """
    prepared = query if isinstance(query, OrgQuery) else OrgQuery.of(query)
    return max((_score(r, terms, name) for r in prepared.readings), default=0)


def _score(reading: tuple[tuple[str, str], ...], terms: Terms, name: str) -> int:
    score = 0
    for word, word_stem in reading:
        if word.isdigit():
            if word not in terms:
                return 0
            score += 3
        elif word in terms or word_stem in terms:
            score += 3
        elif len(word) >= 2 and terms.has_prefix(word):
            score += 2
        else:
            return 0
    # Among equal matches, the shorter name is the closer one.
    return score * 1000 - min(len(name), 999)
