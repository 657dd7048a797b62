"""The domain glossary: abbreviations, full forms and synonyms, matched in both directions.

Each line of ``data/glossary.txt`` is one concept. Any variant found in a material's text adds
the concept's token to the index, and any variant found in a query searches for that token,
so «ЭЛН» finds «электронный листок нетрудоспособности» and the other way round.
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


def variant_stems(variant: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in words(variant) if w not in STOP_WORDS)


class Glossary:
    def __init__(self, lines: Iterable[str]) -> None:
        # first stem -> [(variant stems, concept token)]
        self._by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        self.concepts: dict[str, list[str]] = {}
        self.stems: set[str] = set()
        for raw in lines:
            line = raw.split("#", 1)[0].strip()
            if "=" not in line:
                continue
            variants = [v.strip() for v in line.split(" = ") if v.strip()]
            parsed = [(v, variant_stems(v)) for v in variants]
            parsed = [(v, s) for v, s in parsed if s]
            if len(parsed) < 2:
                continue
            token = CONCEPT_PREFIX + "_".join(parsed[0][1])
            self.concepts.setdefault(token, []).extend(v for v, _ in parsed)
            for _, stems_ in parsed:
                self._by_first.setdefault(stems_[0], []).append((stems_, token))
                self.stems.update(stems_)
        for entries in self._by_first.values():
            # Longest variants first, so «лист нетрудоспособности» wins over «лист».
            entries.sort(key=lambda e: -len(e[0]))

    @classmethod
    def load(cls, path: Path | None = None) -> Glossary:
        if path is not None:
            return cls(path.read_text("utf-8").splitlines())
        text = resources.files("catalog.data").joinpath("glossary.txt").read_text("utf-8")
        return cls(text.splitlines())

    def spans(self, stems_: Sequence[str]) -> list[Span]:
        """Every place a variant occurs in a stem sequence (spans may overlap)."""
        found: list[Span] = []
        for i, first in enumerate(stems_):
            by_end: dict[int, set[str]] = {}
            for variant, token in self._by_first.get(first, ()):
                end = i + len(variant)
                if tuple(stems_[i:end]) == variant:
                    by_end.setdefault(end, set()).add(token)
            found.extend(Span(i, end, frozenset(t)) for end, t in by_end.items())
        return found

    def concept_tokens(self, stems_: Sequence[str]) -> set[str]:
        return {token for span in self.spans(stems_) for token in span.concepts}
