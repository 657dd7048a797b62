"""The domain glossary: abbreviations, full forms and synonyms, matched in both directions.

Each line of ``data/glossary.txt`` is one concept, its variants separated by « = ». Any variant
found in a material's text adds the concept's token to the index, and any variant found in a
query searches for that token, so «ЭЛН» finds «электронный листок нетрудоспособности» and the
other way round. Related concepts that are not the same thing (a syndrome and the disease it
mostly is: «ОКС ~ инфаркт») share a line separated by « ~ »: each keeps its own token, and a
query for one also searches the others, below the concept itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from catalog.text import STOP_WORDS, stem, words

CONCEPT_PREFIX = "g_"


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int  # exclusive
    concepts: frozenset[str]
    # Matched only with one inner word of the phrase left out.
    partial: bool = False


def variant_stems(variant: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in words(variant) if w not in STOP_WORDS)


def _parse_variants(part: str) -> list[tuple[str, tuple[str, ...]]]:
    """The variants of one concept (« = » between them) and their stems."""
    parsed = [(v.strip(), variant_stems(v)) for v in part.split(" = ") if v.strip()]
    return [(v, s) for v, s in parsed if s]


class Glossary:
    """Concepts and their variants. A phrase also matches with a one-word synonym in place of
    one of its words («вызов доктора на дом»), and, from three words on, with one inner word
    left out («единая информационная система здравоохранения»)."""

    def __init__(self, lines: Iterable[str]) -> None:
        # first stem -> [(variant stems, concept token, partial)]
        self._by_first: dict[str, list[tuple[tuple[str, ...], str, bool]]] = {}
        self.concepts: dict[str, list[str]] = {}
        self.stems: set[str] = set()
        # stem -> the one-word variants of the same concepts, for synonyms inside phrases
        self._same: dict[str, set[str]] = {}
        # concept token -> the tokens of the concepts related to it («~» on its line)
        self.related: dict[str, set[str]] = {}
        exact: set[tuple[str, ...]] = set()
        gapped: list[tuple[tuple[str, ...], str]] = []
        for raw in lines:
            line = raw.split("#", 1)[0].strip()
            parts = [_parse_variants(part) for part in line.split(" ~ ")]
            parts = [p for p in parts if p]
            if sum(len(p) for p in parts) < 2:
                continue
            tokens = []
            for parsed in parts:
                token = CONCEPT_PREFIX + "_".join(parsed[0][1])
                tokens.append(token)
                self.concepts.setdefault(token, []).extend(v for v, _ in parsed)
                singles = {s[0] for _, s in parsed if len(s) == 1}
                for one in singles:
                    self._same.setdefault(one, set()).update(singles - {one})
                for _, stems_ in parsed:
                    self._by_first.setdefault(stems_[0], []).append((stems_, token, False))
                    self.stems.update(stems_)
                    exact.add(stems_)
                    if len(stems_) >= 3:
                        gapped.extend(
                            (stems_[:i] + stems_[i + 1 :], token) for i in range(1, len(stems_) - 1)
                        )
            for token in tokens:
                self.related.setdefault(token, set()).update(t for t in tokens if t != token)
        for stems_, token in gapped:
            # A phrase short of a word must not read as another full phrase.
            if stems_ not in exact:
                self._by_first.setdefault(stems_[0], []).append((stems_, token, True))
        for entries in self._by_first.values():
            # Longest variants first, so «лист нетрудоспособности» wins over «лист».
            entries.sort(key=lambda e: (-len(e[0]), e[2]))
        # stem -> the first stems of variants it may open, itself or through a synonym: most
        # words of a text open none, and are passed over at the cost of one lookup.
        self._heads: dict[str, tuple[str, ...]] = {}
        for word in {*self._by_first, *self._same}:
            heads = tuple(
                h for h in (word, *sorted(self._same.get(word, ()))) if h in self._by_first
            )
            if heads:
                self._heads[word] = heads

    @classmethod
    def load(cls, path: Path | None = None) -> Glossary:
        if path is not None:
            return cls(path.read_text("utf-8").splitlines())
        text = resources.files("catalog.data").joinpath("glossary.txt").read_text("utf-8")
        return cls(text.splitlines())

    def _fits(self, word: str, wanted: str) -> bool:
        return word == wanted or wanted in self._same.get(word, ())

    def spans(self, stems_: Sequence[str]) -> list[Span]:
        """Every place a variant occurs in a stem sequence (spans may overlap). Where a phrase
        matches in full, its matches short of a word at the same place are dropped."""
        found: list[Span] = []
        n = len(stems_)
        for i, first in enumerate(stems_):
            heads = self._heads.get(first)
            if heads is None:
                continue
            by_end: dict[int, tuple[set[str], set[str]]] = {}
            for head in heads:
                # The first word fits by the choice of head; the rest are compared in turn.
                for variant, token, partial in self._by_first[head]:
                    end = i + len(variant)
                    if end > n or not all(
                        self._fits(stems_[i + k], variant[k]) for k in range(1, len(variant))
                    ):
                        continue
                    full, short = by_end.setdefault(end, (set(), set()))
                    (short if partial else full).add(token)
            for end, (full, short) in by_end.items():
                if full:
                    found.append(Span(i, end, frozenset(full)))
                else:
                    found.append(Span(i, end, frozenset(short), partial=True))
        return found

    def concept_tokens(self, stems_: Sequence[str]) -> set[str]:
        return {token for span in self.spans(stems_) for token in span.concepts}
