"""Typo correction: index terms within two edits of a typed word, nearest and likeliest first.

The lookup is SymSpell's with its prefix trick: every term is filed under the strings left
after deleting up to two letters from its first ``PREFIX`` letters, and a typed word looks itself
up the same way; edits further right are caught when each candidate is verified on whole words
(by rapidfuzz, in C). Two deletions on both sides find two substitutions, a deletion plus a
substitution, a swap plus a substitution. The keys are hashes packed with the number of the
prefix into one sorted array of 64-bit integers, so 70,000 terms cost about 14 MB instead of
the 130-200 MB a dict of strings takes (``bench/typo_index.py`` measures the alternatives).

Candidates are ordered by a spelling cost in which the confusions Russian spelling invites
(unstressed о/а and е/и, и/ы, е/э, voiced/voiceless pairs, a doubled or dropped consonant, ь/ъ)
cost half an edit: «диспансиризацыя» is nearer to «диспансеризация» than to a word two random
letters away.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable

from rapidfuzz.distance import OSA

PREFIX = 6
MAX_EDITS = 2
_BUCKETS = 256

# Pairs of letters that people confuse when they write Russian, both ways round.
_CONFUSED = {
    frozenset(p)
    for p in (
        "оа",
        "еи",
        "иы",
        "еэ",
        "ея",
        "ею",
        "ую",
        "бп",
        "вф",
        "гк",
        "дт",
        "жш",
        "зс",
        "шщ",
        "цс",
        "чщ",
        "ьъ",
        "йи",
    )
}
_SILENT = frozenset("ьъ")
CHEAP = 0.5


def _prefix_deletes(word: str) -> set[str]:
    w = word[:PREFIX]
    n = len(w)
    ones = [w[:i] + w[i + 1 :] for i in range(n)]
    out = {w, *ones}
    for i, one in enumerate(ones):
        out.update([one[:j] + one[j + 1 :] for j in range(i, n - 1)])
    return out


def _sub_cost(a: str, b: str) -> float:
    if a == b:
        return 0.0
    return CHEAP if frozenset((a, b)) in _CONFUSED else 1.0


def _indel_cost(word: str, i: int) -> float:
    """Dropping or adding word[i]: cheap for a soft sign or a doubled letter («лекарственых»)."""
    ch = word[i]
    if ch in _SILENT:
        return CHEAP
    if (i > 0 and word[i - 1] == ch) or (i + 1 < len(word) and word[i + 1] == ch):
        return CHEAP
    return 1.0


def spelling_cost(typed: str, term: str) -> float:
    """Optimal-string-alignment distance with the usual Russian confusions at half price."""
    n, m = len(typed), len(term)
    prev2: list[float] = []
    prev = [0.0] * (m + 1)
    for j in range(1, m + 1):
        prev[j] = prev[j - 1] + _indel_cost(term, j - 1)
    for i in range(1, n + 1):
        cur = [prev[0] + _indel_cost(typed, i - 1)] + [0.0] * m
        for j in range(1, m + 1):
            cur[j] = min(
                prev[j] + _indel_cost(typed, i - 1),
                cur[j - 1] + _indel_cost(term, j - 1),
                prev[j - 1] + _sub_cost(typed[i - 1], term[j - 1]),
            )
            if (
                i > 1
                and j > 1
                and typed[i - 1] == term[j - 2]
                and typed[i - 2] == term[j - 1]
                and typed[i - 1] != typed[i - 2]
            ):
                cur[j] = min(cur[j], prev2[j - 2] + 1.0)
        prev2, prev = prev, cur
    return prev[m]


class TypoIndex:
    """Terms filed under their prefix deletions, for lookups within ``MAX_EDITS`` edits."""

    __slots__ = ("_bits", "_keys", "_mask", "_starts", "_terms")

    def __init__(self, terms: Iterable[str]) -> None:
        self._terms = sorted(set(terms))
        # Deletions depend on a term's prefix only, and sorted terms sharing a prefix stand
        # together: the keys name a prefix, which names a run of terms (fewer keys to make).
        starts = array("i")
        prefixes: list[str] = []
        for number, term in enumerate(self._terms):
            head = term[:PREFIX]
            if not prefixes or head != prefixes[-1]:
                prefixes.append(head)
                starts.append(number)
        starts.append(len(self._terms))
        self._starts = starts
        self._bits = bits = max(len(prefixes).bit_length(), 1)
        hash_bits = 62 - bits
        self._mask = mask = (1 << hash_bits) - 1
        shift = hash_bits - 8
        # Filled bucket by bucket, each sorted on its own: sorting one list of millions of
        # Python ints would briefly take ten times the finished array.
        buckets = [array("q") for _ in range(_BUCKETS)]
        into = [b.append for b in buckets]
        for number, head in enumerate(prefixes):
            for key in _prefix_deletes(head):
                h = hash(key) & mask
                into[h >> shift]((h << bits) | number)
        keys = array("q")
        for bucket in buckets:
            keys.extend(sorted(bucket))
        self._keys = keys

    def __len__(self) -> int:
        return len(self._terms)

    def candidates(self, word: str, max_edits: int) -> list[tuple[str, int]]:
        """Terms within ``max_edits`` (at most ``MAX_EDITS``) of ``word``, with the distance."""
        max_edits = min(max_edits, MAX_EDITS)
        if max_edits <= 0:
            return []
        found: set[int] = set()
        keys, bits = self._keys, self._bits
        ids = (1 << bits) - 1
        for key in _prefix_deletes(word):
            h = hash(key) & self._mask
            i = bisect_left(keys, h << bits)
            while i < len(keys) and keys[i] >> bits == h:
                found.add(keys[i] & ids)
                i += 1
        out = []
        lo_len, hi_len = len(word) - max_edits, len(word) + max_edits
        for prefix in found:
            for number in range(self._starts[prefix], self._starts[prefix + 1]):
                term = self._terms[number]
                if term == word or not lo_len <= len(term) <= hi_len:
                    continue
                d = OSA.distance(word, term, score_cutoff=max_edits)
                if d <= max_edits:
                    out.append((term, d))
        return out
