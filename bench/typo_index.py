"""Typo lookup approaches on a real-sized vocabulary: recall of one- and two-edit typos,
lookup latency, build time and memory.

The vocabulary is 70,000 Snowball stems of real Russian words (bench/words.py); each test
word is one of them with one or two random edits (substitution, deletion, insertion, swap),
kept when it is no vocabulary term itself and exactly that many edits away. A hit is the
intended term among the first three suggestions.

    .venv/bin/python bench/typo_index.py            # every approach, each in its own process
    .venv/bin/python bench/typo_index.py --only engine

Approaches: ``one_deletion`` (the engine before issue 19: terms filed under one-letter
deletions in a dict, the query looked up with up to two), ``symspellpy`` (max edit 2, prefix 7),
``rapidfuzz_scan`` (OSA distance over the terms of a near length), ``python_scan`` (the same in
pure Python, on a tenth of the tests), ``engine`` (catalog.typos: SymSpell's prefix trick, two
deletions, hashed keys in one sorted int64 array, rapidfuzz to verify, spelling cost to order).
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.words import russian_words
from catalog.search import damerau
from catalog.text import stem

APPROACHES = ("one_deletion", "symspellpy", "rapidfuzz_scan", "python_scan", "engine")
LETTERS = "абвгдежзийклмнопрстуфхцчшщъыьэюя"


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def misspell(word: str, edits: int, rng: random.Random) -> str:
    for _ in range(edits):
        i = rng.randrange(len(word))
        op = rng.choice("sdit")
        if op == "s":
            word = word[:i] + rng.choice(LETTERS) + word[i + 1 :]
        elif op == "d":
            word = word[:i] + word[i + 1 :]
        elif op == "i":
            word = word[:i] + rng.choice(LETTERS) + word[i:]
        elif i < len(word) - 1:
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word


def one_deletion_index(terms: list[str], df: dict[str, int]) -> Callable[[str], list[str]]:
    index: dict[str, list[str]] = {}
    for term in terms:
        index.setdefault(term, []).append(term)
        for i in range(len(term)):
            index.setdefault(term[:i] + term[i + 1 :], []).append(term)

    def lookup(word: str) -> list[str]:
        probes = {word}
        for i in range(len(word)):
            one = word[:i] + word[i + 1 :]
            probes.add(one)
            probes.update(one[:j] + one[j + 1 :] for j in range(len(one)))
        found = {t for p in probes for t in index.get(p, ())}
        scored = sorted((damerau(word, t, 2), -df[t], t) for t in found)
        return [t for d, _, t in scored if d <= 2][:3]

    return lookup


def build(which: str, terms: list[str], df: dict[str, int]) -> Callable[[str], list[str]]:
    if which == "one_deletion":
        return one_deletion_index(terms, df)
    if which == "symspellpy":
        from symspellpy import SymSpell, Verbosity

        speller = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for term in terms:
            speller.create_dictionary_entry(term, df[term])
        return lambda w: [s.term for s in speller.lookup(w, Verbosity.ALL, 2)[:3]]
    by_length: dict[int, list[str]] = {}
    for term in terms:
        by_length.setdefault(len(term), []).append(term)
    if which == "rapidfuzz_scan":
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        def scan(word: str) -> list[str]:
            found: list[tuple[int, int, str]] = []
            for n in range(len(word) - 2, len(word) + 3):
                for term, d, _ in process.extract(
                    word, by_length.get(n, []), scorer=OSA.distance, score_cutoff=2, limit=20
                ):
                    found.append((int(d), -df[term], term))
            return [t for _, _, t in sorted(found)[:3]]

        return scan
    if which == "python_scan":

        def slow(word: str) -> list[str]:
            found = []
            for n in range(len(word) - 2, len(word) + 3):
                for term in by_length.get(n, []):
                    d = damerau(word, term, 2)
                    if d <= 2:
                        found.append((d, -df[term], term))
            return [t for _, _, t in sorted(found)[:3]]

        return slow
    from catalog.search import Vocabulary

    vocab = Vocabulary(df, 100_000)
    return lambda w: [t for t, _ in vocab.corrections(w, limit=3)]


def run(which: str, size: int, tests_per_kind: int) -> None:
    rng = random.Random(19)
    stems = sorted({stem(w) for w in russian_words()})
    rng.shuffle(stems)
    terms = stems[:size]
    df = {t: rng.randint(1, 60) for t in terms}
    known = set(terms)
    tests: list[tuple[int, str, str]] = []
    targets = [t for t in terms if len(t) >= 5]
    for edits in (1, 2):
        for term in targets[: tests_per_kind * 2]:
            typed = misspell(term, edits, rng)
            if typed not in known and damerau(typed, term, 3) == edits:
                tests.append((edits, typed, term))
    if which == "python_scan":
        tests = tests[::10]
    before = rss_mib()
    started = time.perf_counter()
    lookup = build(which, terms, df)
    build_s = time.perf_counter() - started
    memory = rss_mib() - before
    hits = {1: [0, 0], 2: [0, 0]}
    latencies = []
    for edits, typed, term in tests:
        t = time.perf_counter()
        got = lookup(typed)
        latencies.append((time.perf_counter() - t) * 1000)
        hits[edits][0] += term in got
        hits[edits][1] += 1
    latencies.sort()
    print(
        f"{which:<15} terms={len(terms)} build_s={build_s:.2f} index_mib={memory:.0f} "
        f"p50_ms={latencies[len(latencies) // 2]:.2f} "
        f"p99_ms={latencies[int(len(latencies) * 0.99)]:.2f} "
        f"recall@3 one_edit={hits[1][0] / hits[1][1]:.2f} ({hits[1][1]}) "
        f"two_edits={hits[2][0] / hits[2][1]:.2f} ({hits[2][1]})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=APPROACHES)
    parser.add_argument("--terms", type=int, default=70_000)
    parser.add_argument("--tests", type=int, default=600, help="typos per edit count")
    parser.add_argument("--one", choices=APPROACHES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run(args.one, args.terms, args.tests)
        return
    russian_words()  # fill the cache once, outside the timed children
    for which in [args.only] if args.only else APPROACHES:
        subprocess.run(  # noqa: S603 - this same script, one process per approach
            [
                sys.executable,
                __file__,
                "--one",
                which,
                "--terms",
                str(args.terms),
                "--tests",
                str(args.tests),
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
