"""Real Russian words for the benchmarks: the word forms of the pymorphy3 dictionaries.

A synthetic catalog drawn from the project's own few hundred words has a vocabulary of a few
hundred index terms, which flatters every lookup that grows with the vocabulary (typo
correction, prefixes, the index's own term lists). These are OpenCorpora's word forms as
pymorphy3-dicts-ru ships them (``pip install -e '.[bench]'``), one in seven of the 5 million
kept, one form per Snowball stem. Reading them takes about 30 s, so the list is kept in the
temporary directory for the next run.
"""

from __future__ import annotations

import re
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

CACHE = Path(tempfile.gettempdir()) / "mct-bench-russian-words-v1.txt"
_WORD = re.compile(r"^[а-я]{4,16}$")


def russian_words() -> list[str]:
    """About 190,000 Russian word forms, each with a Snowball stem of its own, in a fixed
    order (the dictionary's)."""
    if CACHE.exists():
        return CACHE.read_text("utf-8").split()
    from catalog.text import stem

    seen: set[str] = set()
    out: list[str] = []
    for n, form in enumerate(_analyzer().dictionary.words.iterkeys("")):
        if n % 7:
            continue
        form = form.replace("ё", "е")
        if not _WORD.match(form):
            continue
        s = stem(form)
        if s not in seen:
            seen.add(s)
            out.append(form)
    tmp = CACHE.with_suffix(".part")
    tmp.write_text("\n".join(out), "utf-8")
    tmp.replace(CACHE)
    return out


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def lexeme(word: str) -> list[str]:
    """Every form of the word («вызов» -> «вызова», «вызовами», …), itself included."""
    parses = _analyzer().parse(word)
    if not parses:
        return [word]
    return sorted({f.word.replace("ё", "е") for f in parses[0].lexeme})
