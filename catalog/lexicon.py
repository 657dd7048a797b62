"""Whether a word is a real Russian word: the word forms of the OpenCorpora dictionary.

A word the index does not know is either a typo («наркалогия») or a real word the catalog
happens not to use («перевести», «обращаться»). Corrected by edit distance, the second kind
turns into some other index word one or two letters away («перенести», «образ») and drags its
materials into the answer, and «did you mean» proposes it. Knowing the real words keeps them
out of typo correction; they still find their word family.

Only the forms list of pymorphy3's dictionary is read (pymorphy3-dicts-ru's ``words.dawg``
through DAWG2-Python): 10 MB and 10 ms, loaded on the first unknown word; the analyser itself
is not needed. Without the package every word is taken for a possible typo, as before.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Protocol


class _Forms(Protocol):
    def similar_keys(self, key: str, replaces: Any) -> list[str]: ...


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
