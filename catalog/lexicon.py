"""Real Russian words: the word forms of the OpenCorpora dictionary, and the stems of nouns.

A word the index does not know is either a typo («наркалогия») or a real word the catalog
happens not to use («перевести», «обращаться»). Corrected by edit distance, the second kind
turns into some other index word one or two letters away («перенести», «образ») and drags its
materials into the answer, and «did you mean» proposes it. Knowing the real words keeps them
out of typo correction; they still find their word family.

Snowball reads some nouns as verb forms and cuts into their root: «запись» -> «зап» (as if
«-ись» were reflexive), «приём» -> «при», «вызов» -> «выз», «архив» -> «арх», while «записи»,
«приёма», «вызова» keep «запис», «прием», «вызов». The dictionary knows each form's paradigm,
so the stem every form of the noun shares: ``noun_stem``.

Only pymorphy3's dictionary files are read (pymorphy3-dicts-ru's ``words.dawg`` through
DAWG2-Python, and the paradigm tables for the stems): 11 MB and 25 ms, loaded on first use; the
analyser itself is not needed. Without the package every word is taken for a possible typo
and Snowball's stems are kept, as before.
"""

from __future__ import annotations

import array
import json
import os
import struct
from functools import lru_cache
from typing import Any, Protocol


class _Forms(Protocol):
    def similar_keys(self, key: str, replaces: Any) -> list[str]: ...

    def similar_items(self, key: str, replaces: Any) -> list[tuple[str, list[tuple[int, int]]]]: ...


@lru_cache(maxsize=1)
def _forms() -> tuple[_Forms, Any] | None:
    try:
        import dawg_python
        import pymorphy3_dicts_ru
    except ImportError:  # pragma: no cover - the dependency is declared
        return None
    path = os.path.join(pymorphy3_dicts_ru.get_path(), "words.dawg")
    forms = dawg_python.RecordDAWG(">HH").load(path)
    # Our text has «е» for «ё»; the dictionary spells «ё».
    return forms, forms.compile_replaces({"е": "ё"})


@lru_cache(maxsize=65536)
def is_word(word: str) -> bool:
    """A form of a Russian dictionary word (any case of «е»/«ё»)."""
    loaded = _forms()
    if loaded is None or not word.isalpha():
        return False
    forms, replaces = loaded
    return bool(forms.similar_keys(word, replaces))


# pymorphy's paradigm prefixes (the dictionary's meta.json): the superlative «наи-» and «по-».
_PARADIGM_PREFIXES = ("", "по", "наи")


@lru_cache(maxsize=1)
def _paradigms() -> tuple[list[array.array[int]], list[str], list[bool]] | None:
    """Each paradigm as pymorphy stores it (suffix ids, then tag ids, then prefix ids, one per
    form), the suffixes, and for each tag whether it is a noun's."""
    try:
        import pymorphy3_dicts_ru
    except ImportError:  # pragma: no cover - the dependency is declared
        return None
    path = pymorphy3_dicts_ru.get_path()
    paradigms: list[array.array[int]] = []
    with open(os.path.join(path, "paradigms.array"), "rb") as f:
        (count,) = struct.unpack("<H", f.read(2))
        for _ in range(count):
            (length,) = struct.unpack("<H", f.read(2))
            paradigm = array.array("H")
            paradigm.fromfile(f, length)
            paradigms.append(paradigm)
    with open(os.path.join(path, "suffixes.json"), encoding="utf-8") as f:
        suffixes: list[str] = json.load(f)
    with open(os.path.join(path, "gramtab-opencorpora-int.json"), encoding="utf-8") as f:
        nouns = [tag.startswith("NOUN") for tag in json.load(f)]
    return paradigms, suffixes, nouns


@lru_cache(maxsize=65536)
def noun_stems(word: str) -> tuple[str, ...]:
    """The stems the dictionary gives the word as a form of a noun: what stays when the form's
    ending goes («записью» -> «запис», «приёма» -> «прием»). Empty if it is no noun's form."""
    loaded, tables = _forms(), _paradigms()
    if loaded is None or tables is None or not word.isalpha():
        return ()
    forms, replaces = loaded
    paradigms, suffixes, nouns = tables
    found: list[str] = []
    for key, records in forms.similar_items(word, replaces):
        for number, index in records:
            paradigm = paradigms[number]
            n = len(paradigm) // 3
            if not nouns[paradigm[n + index]]:
                continue
            suffix = suffixes[paradigm[index]]
            prefix = _PARADIGM_PREFIXES[paradigm[2 * n + index]]
            found.append(key[len(prefix) : len(key) - len(suffix)].replace("ё", "е"))
    return tuple(dict.fromkeys(found))
