"""The search engine: documents to index terms, queries to plans, candidates to a ranking.

Pure Python. Storage keeps the terms in SQLite FTS5 and fetches candidates with the FTS5
expression a plan builds; this module decides what to look for and in which order to show it.

A query goes through these steps:
1. each typed word is tried as typed and converted between the QWERTY and ЙЦУКЕН layouts; the
   variant whose words the index knows wins ("ktrwbz" -> "лекция");
2. stop words go, the rest are stemmed (Snowball, a noun's root kept where Snowball cuts into
   it: catalog.lexicon), so any word form matches; a problem («почему … не …», «ошибка», «что
   делать») is noted, and «не X» kept as a bigram;
3. a word the index does not know gets the index terms within two edits (catalog.typos; one
   and a cheap confusion for five letters), ordered by a spelling cost in which the usual
   Russian confusions are cheap; a bare prefix is searched as typed ("привив", "реабилит");
4. glossary variants become concept tokens, so an abbreviation and its full form are one term
   (a phrase also with a synonym inside it, short of one inner word, or its words found
   apart), and a related concept («ОКС ~ инфаркт») is searched below the concept itself;
5. each word also stands for its family (the other aspect of a verb, its nouns, adjectives,
   leftover endings, fleeting vowels, the word inside a compound: «онко|консилиум»), a
   corrected word for the family of what it was read as, and a hyphenated compound is one
   unit, matched written solid too; words naming a kind of material («частые вопросы»,
   «руководство») only say which kind to prefer.
Candidates are ranked by the units of the query they cover, each weighted by its rarity (idf;
a match through a relative or a related concept by the rarer of the word and what matched),
by field (title > tags > description) and by how each matched (exact > family > typo); words
typed together and found together lift a material, and so does the kind asked for; problem
questions lift FAQ and instructions as much as they cover the question; equal scores go to
the closer title, then the material matched more ways, then the more popular, then the newer.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from weakref import WeakKeyDictionary

from rapidfuzz import process
from rapidfuzz.distance import OSA

from catalog.glossary import Glossary, Span
from catalog.lexicon import is_word
from catalog.model import KIND_TITLES
from catalog.text import (
    MAX_QUERY_CHARS,
    MAX_QUERY_WORDS,
    STOP_WORDS,
    compounds,
    en_to_ru,
    has_cyrillic,
    has_latin,
    ru_to_en,
    stem,
    stems,
    words,
)
from catalog.typos import CHEAP, MAX_EDITS, TypoIndex, spelling_cost

TITLE, TAGS, BODY = 0, 1, 2
FIELD_WEIGHTS = (3.0, 2.0, 1.0)
# bm25 weights for the FTS5 candidate query, in the same field order.
BM25_WEIGHTS = (10.0, 4.0, 1.0)

EXACT, CONCEPT, TYPO, PREFIX = 1.0, 1.0, 0.8, 0.6
# The same word with an ending Snowball left on («вызов»/«выз»), and a word of the same family
# («продлить»/«продление», «лаборатория»/«лабораторный», «госпитализировать»/«госпитализация»).
INFLECTED, DERIVED = 0.9, 0.7
# A glossary phrase matched with one inner word left out.
PARTIAL = 0.85
# A concept related to the one asked for, not the same («ОКС ~ инфаркт»): a factor.
RELATED = 0.7
FAMILY = 4
# A correction's weight falls with its spelling cost: 0.8 at one edit, 0.6 at two.
TYPO_STEP, TYPO_FLOOR = 0.2, 0.5
SOFT = 0.3
# Every word of a glossary phrase found, but not the phrase: what their mean counts.
APART = 0.7
# Units of glossary phrases are numbered from here, past those of the typed words.
PHRASE_UNITS = MAX_QUERY_WORDS * 2
# The first parts of Russian compounds that leave a word of its own: «онко|консилиум»,
# «кардио|реабилитация», «мед|осмотр», «тех|поддержка». Longest first.
COMBINING_FORMS = (
    "рентгено",
    "кардио",
    "иммуно",
    "психо",
    "нейро",
    "видео",
    "физио",
    "радио",
    "онко",
    "теле",
    "фото",
    "эндо",
    "проф",
    "мед",
    "тех",
)
MIN_COMPOUND_REST = 5
# What follows a combining form in the name of a science or a method is no word of its own:
# «онко|логический» is not «логический», «флюоро|графия» not «графия».
SCIENCE_SUFFIXES = ("лог", "граф", "скоп", "метр", "терап")
# The word inside a compound stands for the compound below its family.
COMPOUND_PART = 0.5
MIN_PREFIX = 4
# A prefix with at most this many completions also stands for their glossary concepts.
PREFIX_CONCEPTS = 8
MAX_ALTERNATIVES = 48
# A term in more materials than this share (and this count) is left out of the broad OR tiers.
COMMON_SHARE, COMMON_MIN = 0.05, 1000

_TERM = re.compile(r"^[0-9a-zа-я_]+$")

# Problems. A query with one of these asks for a solution, and so does a material whose text
# has one; «не» before a word is kept as a bigram («не_приход») on both sides.
NEGATION = "не"
PROBLEM_MARK = "g_problem"
PROBLEM_WORDS = frozenset({"почему", "нет", "невозможно", "никак", "нельзя"})
PROBLEM_STEMS = frozenset({"ошибк", "ошибок", "сбо", "сбоя", "проблем", "неполадк", "зависа"})
# After «не» these say only that something fails («не работает», «не получается»): the
# problem is the signal, not the verb.
FAILING = frozenset(
    """работает работают работал работала работало работали получается получаются получилось
    удается удалось удаются могу может можем могут выходит срабатывает функционирует""".split()
)
# Materials that answer problems, by kind, when the query is one: a score factor.
PROBLEM_KINDS = {"faq": 1.3, "instruction": 1.1}
PROBLEM_TEXT = 1.1
# Words asked together found together: a factor, full when every pair is.
PROXIMITY = 0.3
# A material of the kind the query names («частые вопросы»): a score factor.
KIND_WANTED = 1.3
_VOWELS = frozenset("аеиоуыэюяaeiouy")


# -- documents -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndexedDoc:
    """A material as index terms: space-separated stems and concept tokens per field."""

    title: str
    tags: str
    body: str
    surfaces: dict[str, str] = field(default_factory=dict)


def _field_terms(texts: Iterable[str], glossary: Glossary, surfaces: dict[str, str]) -> str:
    terms: list[str] = []
    problem = False
    for text in texts:
        stems_ = []
        ws = words(text)
        for i, word in enumerate(ws):
            if word == NEGATION and i + 1 < len(ws) and ws[i + 1] not in STOP_WORDS:
                terms.append(f"{NEGATION}_{stem(ws[i + 1])}")
                problem = True
            if word in PROBLEM_WORDS:
                problem = True
            if word in STOP_WORDS:
                continue
            s = stem(word)
            problem = problem or s in PROBLEM_STEMS
            stems_.append(s)
            surfaces.setdefault(s, word)
        terms.extend(stems_)
        terms.extend(stem(c) for c in compounds(text))
        terms.extend(sorted(glossary.concept_tokens(stems_)))
    if problem:
        terms.append(PROBLEM_MARK)
    return " ".join(terms)


def analyse(
    *,
    title: str,
    description: str,
    tags: Sequence[str],
    topic_titles: Sequence[str],
    kind_title: str,
    glossary: Glossary,
) -> IndexedDoc:
    surfaces: dict[str, str] = {}
    return IndexedDoc(
        title=_field_terms([title], glossary, surfaces),
        tags=_field_terms([*tags, *topic_titles, kind_title], glossary, surfaces),
        body=_field_terms([description], glossary, surfaces),
        surfaces=surfaces,
    )


# -- vocabulary ------------------------------------------------------------------------------


def damerau(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance, giving up (returning limit + 1) beyond ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
            best = min(best, cur[j])
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _derivations(term: str) -> list[str]:
    """Stems a Russian verb and its noun take, both ways: «обраща(ться)» / «обращен(ие)»,
    «выписа(ть)» / «выписк(а)», «регистрирова(ть)» / «регистрац(ия)», «провест(и)» /
    «проведен(ие)»; a long verb also without its prefix «за-»/«с-» («зарегистрирова(ть)»,
    «сформирова(ть)»)."""
    out: list[str] = []
    bases = [term]
    for prefix in ("за", "с"):
        if term.startswith(prefix) and len(term) - len(prefix) >= 8:
            bases.append(term[len(prefix) :])
            out.append(term[len(prefix) :])
    for base in bases:
        if len(base) >= 5 and base[-1] in "аяеи":
            out.extend((base[:-1] + "ен", base[:-1] + "к", base + "н"))
        if len(base) >= 6 and base.endswith("ен"):
            out.extend(base[:-2] + v for v in "аяи")
        for verb, noun in (("ирова", "ац"), ("изова", "изац"), ("ова", "ац")):
            if len(base) >= len(verb) + 4 and base.endswith(verb):
                out.append(base[: -len(verb)] + noun)
                break
        if len(base) >= 6 and base.endswith("ац"):
            out.extend(base[:-2] + verb for verb in ("ирова", "ова"))
        if len(base) >= 6 and base.endswith("ест"):
            out.extend((base[:-3] + "еден", base[:-1] + "ен"))
        # A noun in «-ик(а)» and its adjective in «-ический», «к» turned «ч»: «наркотик» /
        # «наркотическ(ий)», «статистик(а)» / «статистическ(ий)», «диагностик(а)».
        if len(base) >= 6 and base.endswith("ик"):
            out.append(base[:-1] + "ческ")
        elif len(base) >= 9 and base.endswith("ическ"):
            out.append(base[:-4] + "к")
        out.extend(_root_nouns(base))
    return out


# Prefixes ending in a consonant take «о» before «-йти» («войти», «подойти»), not before «-ход».
_O_PREFIXES = frozenset({"в", "вз", "от", "об", "под", "над", "пред", "раз", "с"})
# The prefixes of «-нять» verbs («принять», «поднять», «снять», «отнять», «изъять» aside).
_NYA_PREFIXES = frozenset({"при", "под", "с", "от", "об", "вз", "раз", "на", "за"})
_LABIALS = frozenset("бвмпф")
_CONSONANTS = frozenset("бвгджзйклмнпрстфхцчшщ")


def _aspects(base: str) -> list[str]:
    """The other aspect of a verb, one word with the same meaning: «подписыва(ть)» /
    «подписа(ть)» (and «подписыван(ие)» / «подписан(ие)»), «заполня(ть)» / «заполн(ить)»,
    «оформля(ть)» / «оформ(ить)», «продлева(ть)» / «продл(ить)», «выдава(ть)» / «выда(ть)»,
    «устанавлива(ть)» / «установ(ить)»."""
    out: list[str] = []
    n = len(base)
    for imperfective in ("ыва", "ива"):
        # -ыва-/-ива- imperfectives and their nouns: «подписыван(ие)» / «подписан(ие)».
        for tail in ("", "н"):
            if n >= 6 + len(tail) and base.endswith(imperfective + tail):
                out.append(base[: n - len(tail) - 3] + "а" + tail)
        if n >= 5 and base.endswith("а") and base[-2] in _CONSONANTS:
            out.append(base[:-1] + imperfective)
        if n >= 6 and base.endswith("ан") and base[-3] in _CONSONANTS:
            out.append(base[:-2] + imperfective + "н")
    if n >= 5 and base.endswith("я") and base[-2] in _CONSONANTS:
        # -ять imperfectives of -ить verbs, with «л» after a labial: «направля» / «направ».
        out.append(base[:-2] if base[-2] == "л" and base[-3] in _LABIALS else base[:-1])
    if n >= 6 and base.endswith("ева"):
        out.append(base[:-3])
    if n >= 5 and base.endswith("ава"):
        out.append(base[:-2])
    if n >= 9 and base.endswith("авлива"):
        out.append(base[:-6] + "ов")
    return out


def _root_nouns(base: str) -> list[str]:
    """The nouns of a verb that are not its stem plus «-ение»: «выда(ть)» / «выдач(а)»,
    «перевест(и)» / «перевод», «перенест(и)» / «перенос», «войт(и)» / «вход», «приня(ть)» /
    «приним(ать)» / «прием», «подня(ть)» / «подъем», «продлева(ть)» / «продлен(ие)»."""
    out: list[str] = []
    n = len(base)
    if n >= 6 and base.endswith("ева"):
        # «продлева(ть)» / «продлен(ие)»
        out.append(base[:-3] + "ен")
    if n >= 4 and base.endswith("да"):
        out.append(base + "ч")
    elif n >= 6 and base.endswith("дава"):
        out.append(base[:-2] + "ч")
    elif n >= 5 and base.endswith("дач"):
        out.append(base[:-1])
    for verb, noun in (("вест", "вод"), ("нест", "нос")):
        if n >= len(verb) + 2 and base.endswith(verb):
            out.append(base[: -len(verb)] + noun)
        elif n >= len(noun) + 2 and base.endswith(noun):
            out.append(base[: -len(noun)] + verb)
    if n >= 3 and base.endswith("йт"):
        prefix = base[:-2]
        if prefix.endswith("о") and prefix[:-1] in _O_PREFIXES:
            prefix = prefix[:-1]
        out.append(prefix + "ход")
    for verb in ("ня", "нима"):
        # «принять» / «принимать» / «приём», «поднять» / «подъём»: «-ня-» is «-ём» in the noun.
        prefix = base[: -len(verb)]
        if base.endswith(verb) and prefix in _NYA_PREFIXES:
            out.append(prefix + ("ъем" if prefix[-1] in _CONSONANTS else "ем"))
            out.append(prefix + ("нима" if verb == "ня" else "ня"))
    return out


def max_typos(term: str) -> float:
    """The spelling cost a typed stem may be from an index term: one edit for four letters,
    one and a cheap confusion for five, two from six letters on (the cheap confusions count
    half, so more of those). Two plain edits in five letters make another word: «ковид» is
    two from «вид», «код» and «повод»."""
    if len(term) <= 3 or term.isdigit():
        return 0.0
    return {4: 1.0, 5: 1.5}.get(len(term), 2.0)


# Up to this length a correction drops at most one letter of what was typed.
SHORT_WORD = 7


def typo_weight(cost: float) -> float:
    return max(TYPO - TYPO_STEP * (cost - 1.0), TYPO_FLOOR)


class Vocabulary:
    """Index terms with their document frequency, for idf, prefixes and typo correction."""

    def __init__(
        self, df: dict[str, int], total_docs: int, surfaces: dict[str, str] | None = None
    ) -> None:
        self.df = df
        self.total_docs = max(total_docs, 1)
        self.surfaces = surfaces or {}
        # Words only: concept tokens (g_…) and bigrams (не_…) are no typo or prefix targets.
        self._sorted = sorted(t for t in df if "_" not in t)
        self._longest = max((len(t) for t in self._sorted), default=0)
        self._typos = TypoIndex(t for t in self._sorted if len(t) >= 3 and not t.isdigit())
        self._by_length: dict[int, list[str]] | None = None

    def idf(self, term: str) -> float:
        n = self.df.get(term, 0)
        return math.log(1 + (self.total_docs - n + 0.5) / (n + 0.5))

    def known(self, term: str) -> bool:
        return term in self.df

    def prefix_count(self, prefix: str, limit: int = 50) -> int:
        i = bisect_left(self._sorted, prefix)
        n = 0
        while i < len(self._sorted) and self._sorted[i].startswith(prefix) and n < limit:
            n += 1
            i += 1
        return n

    def completions(self, prefix: str, limit: int) -> list[str]:
        """The first ``limit`` index terms that start with ``prefix``."""
        i = bisect_left(self._sorted, prefix)
        out: list[str] = []
        while i < len(self._sorted) and self._sorted[i].startswith(prefix) and len(out) < limit:
            out.append(self._sorted[i])
            i += 1
        return out

    def prefix_df(self, prefix: str) -> int:
        i = bisect_left(self._sorted, prefix)
        best = 0
        while i < len(self._sorted) and self._sorted[i].startswith(prefix):
            best = max(best, self.df[self._sorted[i]])
            i += 1
        return best

    def prefix_total(self, prefix: str, scan: int = 200) -> int:
        """About how many materials have some term with this prefix (one with two counts
        twice); past the first ``scan`` terms, each is taken as frequent as the average."""
        start = bisect_left(self._sorted, prefix)
        end = bisect_left(self._sorted, prefix + "\uffff", start)
        seen = [self.df[t] for t in self._sorted[start : min(end, start + scan)]]
        if not seen:
            return 0
        return sum(seen) + (end - start - len(seen)) * sum(seen) // len(seen)

    def family(self, term: str, limit: int = FAMILY) -> list[tuple[str, float]]:
        """Index terms of the same word family as a stem, with the weight of the link.

        Snowball strips inflections, not derivations, and not every inflection either: a
        known stem may also stand for a longer one (a suffix of up to two letters for a short
        stem, five for a longer one: «продл» -> «продлен»), a shorter one may stand for it,
        a long stem shares its family with those differing only in its last five letters, past
        its first eight
        («госпитализирова» / «госпитализац»), and a fleeting vowel comes and goes («справок» /
        «справк»).
        """
        if len(term) < 3 or not term.isalpha():
            return []
        found: dict[str, float] = {}
        longest = 2 if len(term) < 5 else 5
        for t in self._with_prefix(term, len(term) + longest):
            found[t] = INFLECTED if len(t) - len(term) <= 2 else DERIVED
        for cut in range(1, 6):
            shorter = term[:-cut]
            if len(shorter) < 3 or (cut > 2 and len(shorter) < 5):
                break
            if shorter in self.df:
                found.setdefault(shorter, INFLECTED if cut <= 2 else DERIVED)
        for cut in range(1, 6):
            base = term[:-cut]
            if len(base) < 8:
                break
            for t in self._with_prefix(base, len(base) + 4):
                found.setdefault(t, DERIVED)
        for derived in _derivations(term):
            found.setdefault(derived, DERIVED)
        for other in _aspects(term):
            # The same verb, whatever the other rules took it for.
            found[other] = INFLECTED
        if len(term) >= 4 and term[-2] in "ое" and term[-1] not in _VOWELS:
            found.setdefault(term[:-2] + term[-1], INFLECTED)
        elif len(term) >= 4 and term[-1] not in _VOWELS and term[-2] not in _VOWELS:
            for vowel in "ое":
                found.setdefault(term[:-1] + vowel + term[-1], INFLECTED)
        found.pop(term, None)
        known = [(t, w) for t, w in found.items() if t in self.df]
        known.sort(key=lambda tw: (-tw[1], -self.df[tw[0]], tw[0]))
        # Each kind of link its own share: a short stem's many endings must not crowd out
        # the noun of a verb.
        near = [tw for tw in known if tw[1] == INFLECTED][:limit]
        far = [tw for tw in known if tw[1] != INFLECTED][:limit]
        return near + far

    def _with_prefix(self, prefix: str, longest: int, scan: int = 200) -> list[str]:
        """Index terms that start with ``prefix``, no longer than ``longest``; a bounded scan."""
        out = []
        i = bisect_left(self._sorted, prefix)
        end = min(len(self._sorted), i + scan)
        while i < end and self._sorted[i].startswith(prefix):
            if len(self._sorted[i]) <= longest:
                out.append(self._sorted[i])
            i += 1
        return out

    def corrections(self, term: str, limit: int = 3, extra: float = 0.0) -> list[tuple[str, float]]:
        """Index terms within the allowed spelling cost, cheapest and most frequent first;
        only those close to the best one, so a clear correction comes alone."""
        allowed = max_typos(term)
        if allowed == 0:
            return []
        allowed += extra
        if len(term) > self._longest + MAX_EDITS + 1:
            # No index term is that close to it; and a pasted paragraph must not get this far.
            return []
        if allowed > MAX_EDITS:
            # Only for «did you mean» after nothing was found: beyond the index, a scan.
            found = self._scan(term, MAX_EDITS + 1)
        else:
            found = self._typos.candidates(term, MAX_EDITS if allowed > 1 else 1)
        scored = []
        for cand, _ in found:
            if not extra and len(term) <= SHORT_WORD and len(cand) < len(term) - 1:
                # Two letters of a short word dropped leave a shorter word, not the one meant
                # (still something to offer when nothing was found).
                continue
            cost = spelling_cost(term, cand)
            if len(cand) < MIN_PREFIX and cost > CHEAP:
                # Three letters are another word after any real edit («семд» is no «сем»);
                # a doubled letter or a soft sign may still go («элнн»).
                continue
            if cost <= allowed:
                scored.append((cost, -self.df.get(cand, 0), cand))
        if not scored:
            return []
        scored.sort()
        best = scored[0][0]
        return [(cand, cost) for cost, _, cand in scored if cost <= best + CHEAP][:limit]

    def _scan(self, term: str, max_edits: int) -> list[tuple[str, int]]:
        """Terms within ``max_edits`` by a scan of those of a near length (~10 ms at 130k
        terms): for the rare query that found nothing."""
        if self._by_length is None:
            self._by_length = {}
            for t in self._sorted:
                if len(t) >= 3 and not t.isdigit():
                    self._by_length.setdefault(len(t), []).append(t)
        out: list[tuple[str, int]] = []
        for n in range(len(term) - max_edits, len(term) + max_edits + 1):
            for cand, d, _ in process.extract(
                term,
                self._by_length.get(n, []),
                scorer=OSA.distance,
                score_cutoff=max_edits,
                limit=None,
            ):
                if cand != term:
                    out.append((cand, int(d)))
        return out


# -- queries ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Alternative:
    term: str
    weight: float
    prefix: bool = False
    # In so many materials that an OR over it would hand FTS5 a good part of the catalog to
    # rank; it still counts in the ranking of what the rarer words found.
    common: bool = False
    # How many materials have it (for a prefix, all its terms together): the size of a tier.
    df: int = 0
    # Its own rarity: a match through a common relative says less than through the rare word.
    idf: float = 0.0

    def fts(self) -> str:
        # Terms are our own stems or concept tokens; the check keeps it so even if an analyser
        # bug let something else through. Quoting makes AND/OR/NEAR plain words.
        if not _TERM.match(self.term):
            raise ValueError(f"unsafe index term {self.term!r}")
        return f'"{self.term}"' + ("*" if self.prefix else "")


@dataclass(frozen=True, slots=True)
class Group:
    """One thing the user asked for: a word or a glossary phrase, and what may stand for it."""

    text: str
    alternatives: tuple[Alternative, ...]
    idf: float
    # A soft group adds score but is not required: the words of a glossary phrase, so that the
    # phrase itself ranks above its synonyms.
    soft: bool = False
    # Groups of one unit count as one thing asked for: the parts of a hyphenated compound.
    unit: int = 0
    # How many typed words a glossary phrase's group stands for.
    words: int = 1


@dataclass(frozen=True, slots=True)
class QueryPlan:
    raw: str
    normalised: str
    groups: tuple[Group, ...]
    corrected: str | None = None
    layout_switched: bool = False
    # The query asks for a way out of a problem («почему … не …», «ошибка», «что делать»).
    problem: bool = False
    # The kinds of material the query names («частые вопросы», «руководство», «вебинар»).
    kinds: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.groups

    def _broad(self) -> list[Alternative]:
        """What the broad tiers (any word, titles) look for: not the common terms, unless
        nothing else is left."""
        every = [a for g in self.groups for a in g.alternatives]
        return [a for a in every if not a.common] or every

    def fts_query(self) -> str:
        """An FTS5 MATCH expression built from our own terms only, never from user text:
        any alternative of any group, but for the common ones."""
        alts = dict.fromkeys(a.fts() for a in self._broad())
        return " OR ".join(list(alts)[:MAX_ALTERNATIVES])

    def rows_any(self) -> int:
        """About how many materials ``fts_query`` matches (at most)."""
        return sum({a.term: a.df for a in self._broad()}.values())

    def rows_all(self, total: int) -> int:
        """About how many materials ``fts_query_all`` matches, the words taken as independent."""
        share = 1.0
        for group in self.groups:
            if not group.soft:
                share *= min(1.0, sum(a.df for a in group.alternatives) / max(total, 1))
        return int(share * total)

    @property
    def single(self) -> bool:
        return sum(1 for g in self.groups if not g.soft) == 1

    def fts_query_title(self) -> str:
        """Any alternative, in titles only: the cheap first tier of a broad query."""
        return "{title} : (" + self.fts_query() + ")"

    def fts_query_all(self, *, titles: bool = False) -> str | None:
        """Every required group at least once (with ``titles``, in the title): far fewer rows
        for FTS5 to rank. None when that would be the same as ``fts_query``."""
        required = [g for g in self.groups if not g.soft]
        if len(required) < 2:
            return None
        column = "{title} : " if titles else ""
        parts = []
        for group in required:
            alts = list(dict.fromkeys(a.fts() for a in group.alternatives))[:MAX_ALTERNATIVES]
            parts.append(column + "(" + " OR ".join(alts) + ")")
        return " AND ".join(parts)


def _word_score(word: str, vocab: Vocabulary, glossary: Glossary) -> int:
    s = stem(word)
    if vocab.known(s) or s in glossary.stems:
        return 2
    if len(s) >= MIN_PREFIX and vocab.prefix_count(s, 1):
        return 1
    return 0


def _pick_layout(token: str, vocab: Vocabulary, glossary: Glossary) -> tuple[list[str], bool]:
    """The words of one typed token, converted from the other keyboard layout if that reads
    better against the index."""
    options = [(words(token), False)]
    if all(w in STOP_WORDS for w in options[0][0]):
        # «в», «и», «с»: converting them yields one-letter Latin "words" that match noise.
        return options[0]
    if has_latin(token):
        options.append((words(en_to_ru(token)), True))
    elif has_cyrillic(token):
        options.append((words(ru_to_en(token)), True))
    best, best_score = options[0], -1
    for option in options:
        ws = [w for w in option[0] if w not in STOP_WORDS] or option[0]
        score = sum(_word_score(w, vocab, glossary) for w in ws)
        # A switched layout must read strictly better than the text as typed.
        if score > best_score:
            best, best_score = option, score
    return best


def plan(query: str, vocab: Vocabulary, glossary: Glossary) -> QueryPlan:
    raw = query[:MAX_QUERY_CHARS]
    typed: list[str] = []
    units: list[int] = []
    joined: dict[int, str] = {}
    switched = False
    for token in raw.split()[:MAX_QUERY_WORDS]:
        ws, was_switched = _pick_layout(token, vocab, glossary)
        switched = switched or (was_switched and bool(ws))
        n = len(typed)
        if "-" in token:
            # «медико-социальная», «COVID-19»: one thing asked for, however many words.
            units.extend([n] * len(ws))
            if len(ws) > 1 and all(w.isalpha() and len(w) > 1 for w in ws):
                joined[n] = stem("".join(ws))
        else:
            units.extend(range(n, n + len(ws)))
        typed.extend(ws)
    typed = typed[:MAX_QUERY_WORDS]
    normalised = " ".join(typed)
    problem, negated, failing = _problem(typed)
    kept = [
        (w, u)
        for i, (w, u) in enumerate(zip(typed, units, strict=False))
        if w not in STOP_WORDS and i not in failing
    ]
    meaningful = [w for w, _ in kept]
    word_units = [u for _, u in kept]
    if not meaningful:
        return QueryPlan(raw, normalised, (), None, switched)

    # Typo correction first, so a misspelt word can still open a glossary phrase.
    stems_: list[str] = []
    best_stems: list[str] = []
    shown: list[str] = []
    fixes: list[list[tuple[str, float]]] = []
    heads: list[str | None] = []
    corrected_any = False
    for word in meaningful:
        s = stem(word)
        options: list[tuple[str, float]] = []
        best = s
        head = None
        if not vocab.known(s) and not s.isdigit():
            head = _prefix_head(word, s, vocab)
        elif vocab.known(s) and has_cyrillic(word) and not is_word(word):
            # A fragment that happens to be a stem too («рентг», of «рентген»): still the start
            # of the longer words («рентгенография», «рентгенолаборант»).
            head = _prefix_head(word, s, vocab)
            if head is not None and vocab.prefix_count(head, 2) < 2:
                head = None
        if not (vocab.known(s) or s in glossary.stems or s.isdigit()):
            # A real word the catalog does not use is no typo of some index word.
            options = [] if is_word(word) else vocab.corrections(s)
            if head is not None:
                # The start of a word («реабилит», «привив»): its completions are what was
                # asked for. A correction stands beside them only one edit away («онкол» is
                # no «школ»), and none of them opens a glossary concept for the whole family.
                options = [o for o in options if o[1] <= 1.0 and not o[0].startswith(head)][:1]
                shown.append(word)
            elif options:
                corrected_any = True
                best = options[0][0]
                shown.append(vocab.surfaces.get(best, best))
            else:
                shown.append(word)
        else:
            shown.append(word)
        stems_.append(s)
        best_stems.append(best)
        fixes.append(options)
        heads.append(head)

    compound = [joined.get(u) for u in word_units]
    groups = _groups(
        meaningful, stems_, best_stems, fixes, heads, vocab, glossary, word_units, compound
    )
    for word in negated:
        bigram = f"{NEGATION}_{stem(word)}"
        if vocab.known(bigram):
            alt = Alternative(bigram, EXACT)
            groups.append(Group(f"{NEGATION} {word}", (alt,), vocab.idf(bigram), soft=True))
    corrected = " ".join(shown) if corrected_any else None
    # «отчет отчеты»: a word asked twice is asked once.
    unique = {(g.alternatives, g.soft): g for g in reversed(groups)}
    groups = [g for g in groups if unique[(g.alternatives, g.soft)] is g]
    groups, kinds = _kind_words(groups, glossary)
    groups = [_mark_common(g, vocab) for g in groups]
    return QueryPlan(raw, normalised, tuple(groups), corrected, switched, problem, kinds)


_KIND_CONCEPTS: WeakKeyDictionary[Glossary, dict[str, str]] = WeakKeyDictionary()


def _kind_concepts(glossary: Glossary) -> dict[str, str]:
    """Concept token -> the kind of material it names: the concepts of the kinds' titles,
    which every material has in its tags («Вопросы и ответы» = «частые вопросы» = FAQ)."""
    found = _KIND_CONCEPTS.get(glossary)
    if found is None:
        found = {}
        for kind, title in KIND_TITLES.items():
            for token in glossary.concept_tokens(stems(title)):
                found.setdefault(token, kind.value)
        _KIND_CONCEPTS[glossary] = found
    return found


def _kind_words(groups: list[Group], glossary: Glossary) -> tuple[list[Group], frozenset[str]]:
    """Words that name a kind of material («ЦАМИ частые вопросы», «ЛЛО руководство») say which
    kind to prefer, not what it is about: they become soft, unless nothing else was asked."""
    kinds = _kind_concepts(glossary)
    named: dict[int, set[str]] = {}
    for n, g in enumerate(groups):
        if not g.soft:
            found = {
                kinds[a.term] for a in g.alternatives if a.weight == CONCEPT and a.term in kinds
            }
            if found:
                named[n] = found
    if not named or len(named) == sum(1 for g in groups if not g.soft):
        return groups, frozenset()
    wanted = frozenset(k for found in named.values() for k in found)
    return [replace(g, soft=True) if n in named else g for n, g in enumerate(groups)], wanted


def _prefix_head(word: str, s: str, vocab: Vocabulary) -> str | None:
    """What an unknown word is searched as the start of: the word as typed, if index terms
    start with it, else its stem. Snowball reads a bare prefix as a word form and cuts it
    shorter («привив» -> «прив», the start of «привязка» and «привлечение» too). The stem of
    a real word is no prefix: its completions are the family's to find («просят» -> «прос»
    is not «просмотр»)."""
    for head in (word,) if is_word(word) else (word, s):
        if len(head) >= MIN_PREFIX and head.isalpha() and vocab.prefix_count(head, 1) > 0:
            return head
    return None


def _mark_common(group: Group, vocab: Vocabulary) -> Group:
    limit = max(COMMON_MIN, COMMON_SHARE * vocab.total_docs)
    alts = []
    for a in group.alternatives:
        df = vocab.prefix_total(a.term) if a.prefix else vocab.df.get(a.term, 0)
        idf = min(group.idf, vocab.idf(a.term)) if not a.prefix and df else group.idf
        alts.append(replace(a, df=df, common=df > limit, idf=idf))
    return replace(group, alternatives=tuple(alts))


def _problem(typed: list[str]) -> tuple[bool, list[str], set[int]]:
    """Whether the words ask about a problem; the words negated; the positions of the words
    that only say something fails."""
    problem = False
    negated: list[str] = []
    failing: set[int] = set()
    for i, word in enumerate(typed):
        after = typed[i + 1] if i + 1 < len(typed) else ""
        if (
            word in PROBLEM_WORDS
            or stem(word) in PROBLEM_STEMS
            or (word == "что" and after == "делать")
        ):
            problem = True
        elif word == NEGATION and after and after not in STOP_WORDS:
            problem = True
            if after in FAILING:
                failing.add(i + 1)
            else:
                negated.append(after)
    return problem, negated, failing


def _groups(
    surface: list[str],
    stems_: list[str],
    best_stems: list[str],
    fixes: list[list[tuple[str, float]]],
    heads: list[str | None],
    vocab: Vocabulary,
    glossary: Glossary,
    units: list[int],
    compound: list[str | None],
) -> list[Group]:
    spans = glossary.spans(best_stems)
    single: dict[int, Span] = {s.start: s for s in spans if s.end - s.start == 1}
    # Multi-word glossary phrases stand for their words as one group; longest first, no overlap.
    covered: set[int] = set()
    groups: list[Group] = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if span.end - span.start < 2 or covered & set(range(span.start, span.end)):
            continue
        covered.update(range(span.start, span.end))
        weight = PARTIAL if span.partial else CONCEPT
        alts = _concepts(span.concepts, weight, glossary)
        text = " ".join(surface[span.start : span.end])
        unit = PHRASE_UNITS + span.start
        idf = max(vocab.idf(c) for c in span.concepts)
        groups.append(Group(text, alts, idf, unit=unit, words=span.end - span.start))
        for i in range(span.start, span.end):
            # Each word, as itself, its own concept and its family: found apart, they stand
            # for the phrase below the phrase itself.
            word = best_stems[i]
            own = [Alternative(word, EXACT)] if vocab.known(word) else []
            if i in single:
                own.extend(_concepts(single[i].concepts, CONCEPT, glossary))
            own.extend(Alternative(t, w) for t, w in vocab.family(word))
            if own:
                idf = vocab.idf(word) if vocab.known(word) else max(vocab.idf(a.term) for a in own)
                groups.append(Group(surface[i], tuple(own), idf, soft=True, unit=unit))
    for i, s in enumerate(stems_):
        if i in covered:
            continue
        alts_: list[Alternative] = []
        if vocab.known(s) or s in glossary.stems or s.isdigit():
            alts_.append(Alternative(s, EXACT))
        for fixed, cost in fixes[i]:
            alts_.append(Alternative(fixed, typo_weight(cost)))
        # An unknown word that index terms start with, or a fragment that is a stem too
        # («реабилит», «рентг»): the start of the words asked for. For a known word it would
        # mostly add cost (thousands of rows to rank).
        head = heads[i]
        concepts_of_prefix: tuple[Alternative, ...] = ()
        if head is not None:
            alts_.append(Alternative(head, PREFIX, prefix=True))
            # Its completions' concepts too («привив» -> «прививка» = вакцинация), when it has
            # few: a short start of many words stands for none of them in particular.
            completions = vocab.completions(head, PREFIX_CONCEPTS + 1)
            if len(completions) <= PREFIX_CONCEPTS:
                found = {
                    c for t in completions for span in glossary.spans([t]) for c in span.concepts
                }
                concepts_of_prefix = _concepts(frozenset(found), PREFIX, glossary)
        if i in single:
            alts_.extend(_concepts(single[i].concepts, CONCEPT, glossary))
        whole = compound[i]
        if whole is not None and whole != s and vocab.known(whole):
            alts_.append(Alternative(whole, EXACT))
        # A word searched as a prefix keeps only the relatives that complete it («подключ» ->
        # «подключен»): its shorter stems are other words («прив» -> «при», of «приём»).
        family = [(t, w) for t, w in vocab.family(s) if head is None or t.startswith(head)]
        family.extend((t, COMPOUND_PART) for t in _compound_rest(s, vocab))
        if fixes[i] and head is None:
            # A misspelt word's forms are those of the word it was read as: «лабаратория»
            # finds «лабораторных» too, at the weight of both links.
            fixed, cost = fixes[i][0]
            weight = typo_weight(cost)
            family.extend((t, w * weight) for t, w in vocab.family(fixed))
            family.extend((t, COMPOUND_PART * weight) for t in _compound_rest(fixed, vocab))
        relatives: list[Alternative] = []
        for t, w in family:
            if all(a.term != t for a in (*alts_, *concepts_of_prefix, *relatives)):
                relatives.append(Alternative(t, w))
        if not alts_ and not relatives:
            # Unknown everywhere: still searched, so the no-results answer is honest.
            alts_.append(Alternative(s, EXACT))
        # The word's rarity is that of what was typed, or of what it was read as; a relative
        # only stands in when nothing else is known, and a prefix is as rare as its commonest
        # completion.
        exact_terms = [a.term for a in alts_ if not a.prefix] or [a.term for a in relatives]
        df_terms = exact_terms or [s]
        idf = max(vocab.idf(t) for t in df_terms)
        if head is not None and not any(vocab.known(t) for t in df_terms):
            idf = math.log(1 + vocab.total_docs / (1 + vocab.prefix_df(head)))
        relatives = [*concepts_of_prefix, *relatives]
        groups.append(Group(surface[i], (*alts_, *relatives), idf, unit=units[i]))
    return groups


def _compound_rest(term: str, vocab: Vocabulary) -> list[str]:
    """The word inside a compound with a combining form: «онкоконсилиум» is a «консилиум»,
    «профосмотр» an «осмотр», «кардиореабилитация» a «реабилитация»."""
    for head in COMBINING_FORMS:
        rest = term[len(head) :]
        if (
            term.startswith(head)
            and len(rest) >= MIN_COMPOUND_REST
            and not rest.startswith(SCIENCE_SUFFIXES)
            and vocab.known(rest)
        ):
            return [rest]
    return []


def _concepts(
    concepts: frozenset[str], weight: float, glossary: Glossary
) -> tuple[Alternative, ...]:
    """The concepts a glossary match stands for, and below them the concepts related to them."""
    related = {r for c in concepts for r in glossary.related.get(c, ())} - concepts
    return (
        *(Alternative(c, weight) for c in sorted(concepts)),
        *(Alternative(r, weight * RELATED) for r in sorted(related)),
    )


def suggest(plan_: QueryPlan, vocab: Vocabulary, glossary: Glossary) -> str | None:
    """A looser «did you mean» for when nothing was found: one more edit than search allows."""
    if plan_.corrected:
        return plan_.corrected
    shown: list[str] = []
    changed = False
    for word in plan_.normalised.split():
        s = stem(word)
        if word in STOP_WORDS or vocab.known(s) or s in glossary.stems or is_word(word):
            shown.append(word)
            continue
        options = vocab.corrections(s, limit=1, extra=1)
        if options:
            shown.append(vocab.surfaces.get(options[0][0], options[0][0]))
            changed = True
        else:
            shown.append(word)
    return " ".join(shown) if changed else None


# -- ranking ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    id: int
    title: str
    tags: str
    body: str
    downloads: int
    published_at: str
    kind: str = ""


@dataclass(frozen=True, slots=True)
class Ranked:
    id: int
    score: float
    coverage: float


def _matches(alt: Alternative, terms: set[str], joined: str) -> bool:
    if not alt.prefix:
        return alt.term in terms
    return f" {alt.term}" in joined


@dataclass(frozen=True, slots=True)
class _Terms:
    """What a group matches, as sets for a quick look at a material's terms."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]

    @classmethod
    def of(cls, group: Group) -> _Terms:
        alts = group.alternatives
        exact = frozenset(a.term for a in alts if not a.prefix)
        return cls(exact, tuple(a.term for a in alts if a.prefix))

    def matches(self, term: str) -> bool:
        return term in self.exact or (bool(self.prefixes) and term.startswith(self.prefixes))

    def in_field(self, terms: set[str], joined: str) -> bool:
        return not self.exact.isdisjoint(terms) or any(f" {p}" in joined for p in self.prefixes)


def _near(a: _Terms, b: _Terms, text: str) -> bool:
    """Whether the field has a match of ``a`` and one of ``b`` at most two terms apart."""
    terms = text.split()
    at_a = [i for i, t in enumerate(terms) if a.matches(t)]
    at_b = [i for i, t in enumerate(terms) if b.matches(t)]
    return any(0 < abs(j - i) <= 2 for i in at_a for j in at_b)


def rank(plan_: QueryPlan, candidates: Sequence[Candidate]) -> list[Ranked]:
    """Score candidates by the query's units they cover, each weighted by its rarity (idf), so
    the one material with the rare, decisive word beats those with two common ones; ties go to
    the more popular, then newer."""
    if plan_.empty:
        return []
    required = [g for g in plan_.groups if not g.soft]
    unit_size = Counter(g.unit for g in required)
    unit_idf: dict[int, float] = {}
    for g in required:
        unit_idf[g.unit] = max(unit_idf.get(g.unit, 0.0), g.idf)
    total_idf = sum(unit_idf.values()) or 1.0
    # How many words each glossary phrase asked for has.
    phrase_words = {g.unit: g.words for g in required if g.words > 1}
    wanted = {a.term for g in plan_.groups for a in g.alternatives if not a.prefix}
    prefixes = tuple(a.term for g in plan_.groups for a in g.alternatives if a.prefix)
    # Words typed next to each other (a stop word between at most), to be found so too.
    words_ = sorted((g for g in required if g.unit < PHRASE_UNITS), key=lambda g: g.unit)
    pairs = [(_Terms.of(a), _Terms.of(b)) for a, b in pairwise(words_) if b.unit - a.unit <= 2]
    scored: list[tuple[float, float, float, Candidate, Ranked]] = []
    for cand in candidates:
        fields = (cand.title, cand.tags, cand.body)
        sets = [set(f.split()) for f in fields]
        joined = [f" {f}" for f in fields]
        total = 0.0
        evidence = 0.0
        covered: Counter[int] = Counter()
        # The words of each phrase found apart: how many, and what they scored.
        apart: dict[int, list[float]] = {}
        for group in plan_.groups:
            best = 0.0
            for alt in group.alternatives:
                hit = False
                for f in (TITLE, TAGS, BODY):
                    if _matches(alt, sets[f], joined[f]):
                        hit = True
                        best = max(best, FIELD_WEIGHTS[f] * alt.weight * (alt.idf or group.idf))
                        break
                if hit:
                    evidence += alt.weight
            if best and group.soft:
                total += SOFT * best
                if group.unit in phrase_words:
                    found = apart.setdefault(group.unit, [0.0, 0.0])
                    found[0] += 1
                    found[1] += best
            elif best:
                covered[group.unit] += 1
                total += best
        for unit, (count, best) in apart.items():
            if unit not in covered and count == phrase_words[unit]:
                # Every word of the phrase, though not the phrase («руководитель» and
                # «медицинская организация» for «руководитель МО»): below the phrase itself.
                covered[unit] = 1
                total += APART * best / count
        if not covered:
            continue
        coverage = sum(unit_idf[u] * n / unit_size[u] for u, n in covered.items()) / total_idf
        # Covering every word matters more than matching one word many ways.
        score = total * (0.25 + 0.75 * coverage**2)
        if pairs and len(covered) > 1:
            # Words asked together and found together («подписание приказов» in a description)
            # say more than the same words far apart in a title and a tag.
            near = 0
            for a, b in pairs:
                for f in (TITLE, TAGS, BODY):
                    both = a.in_field(sets[f], joined[f]) and b.in_field(sets[f], joined[f])
                    if both and _near(a, b, fields[f]):
                        near += 1
                        break
            score *= 1.0 + PROXIMITY * near / len(pairs)
        if cand.kind in plan_.kinds:
            score *= KIND_WANTED
        if plan_.problem:
            # As much as the material is about what was asked: a FAQ that shares one word of
            # the situation is no answer to it.
            lift = PROBLEM_KINDS.get(cand.kind, 1.0)
            if any(PROBLEM_MARK in terms for terms in sets):
                lift *= PROBLEM_TEXT
            score *= 1.0 + (lift - 1.0) * coverage
        # Equal scores are told apart by how closely the title is what was asked for, then by
        # how many ways the material matched, before popularity and date.
        title = [t for t in cand.title.split() if not t.startswith("g_")]
        hits = sum(1 for t in title if t in wanted or (prefixes and t.startswith(prefixes)))
        precision = hits / len(title) if title else 0.0
        ranked = Ranked(cand.id, score, coverage)
        scored.append((round(score, 6), round(precision, 6), round(evidence, 6), cand, ranked))
    # Stable sorts, least important key first: newer, then more popular, then better.
    scored.sort(key=lambda t: t[3].published_at, reverse=True)
    scored.sort(key=lambda t: t[3].downloads, reverse=True)
    scored.sort(key=lambda t: t[:3], reverse=True)
    return [t[4] for t in scored]
