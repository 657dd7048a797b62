"""Search speed on catalogs of 1k, 10k and 100k materials with a real-sized vocabulary.

Materials are written in Russian from two pools: the project's own domain words (demo catalog,
glossary, directions) and real Russian word forms from the pymorphy3 dictionaries
(bench/words.py), drawn by a Zipf law, so that 100k materials hold about a hundred thousand
distinct index terms as a real catalog would (the old synthetic one had 688). Each size is
built through the real storage path in a process of its own, so memory figures don't mix.

Each size runs in three steps: a process writes the catalog (as an import would), this one
makes the queries (pymorphy3 gives other word forms; the bot has no pymorphy3, so it stays out
of the measured processes), and a fresh process, as the bot after a start, opens the database,
builds the vocabulary and answers every query once, uncached (the repository's result and plan
caches would otherwise answer repeats). build_s is the writes plus that first vocabulary.
Query kinds, each timed on its own: plain (two title words), morphology (another form of a
title word), typo1 and typo2 (one or two edits in a word of five letters or more), layout (two
title words typed on the QWERTY layout), prefix (the first five letters of a long word) and
question (a question around two title words). Peak RSS is VmHWM, read in each process while
its database is still open; the larger of the two is reported.

    .venv/bin/python bench/search_speed.py            # 1k, 10k, 100k (needs '.[bench]')
    .venv/bin/python bench/search_speed.py --sizes 1000 --queries 50

The last line is ``SPEED n=… terms=… build_s=… p50_ms=… p99_ms=… worst_kind=…
worst_kind_p99_ms=… peak_rss_mib=…`` for the largest size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from importlib import resources
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.words import lexeme, russian_words
from catalog.model import Kind, MaterialInput
from catalog.text import ru_to_en, words
from storage.catalog import CatalogRepo
from storage.db import Database

KINDS = ("plain", "morphology", "typo1", "typo2", "layout", "prefix", "question")
LETTERS = "абвгдежзийклмнопрстуфхцчшщыьэюя"
QUESTIONS = (
    "как оформить {} {}",
    "почему не отображается {} {}",
    "что делать если {} {}",
    "где найти {} и {}",
    "ошибка {} {} не работает",
)
# How many of the dictionary's words a catalog draws on, and how (Zipf-Mandelbrot: rank r is
# drawn in proportion to 1 / (r + ZIPF_OFFSET) ** ZIPF). The offset keeps the commonest word
# in about a third of the materials, as «врач» is in the shared catalog (78 of 240) and «РМИС»
# in a quarter; without it one word would stand in nine materials of ten.
GENERAL_WORDS = 150_000
ZIPF = 1.05
ZIPF_OFFSET = 5


def domain_pool() -> list[str]:
    """Russian words from the project's own texts: demo catalog, glossary and topics."""
    data = resources.files("catalog.data")
    text = " ".join(
        data.joinpath(name).read_text("utf-8")
        for name in ("demo_materials.csv", "glossary.txt", "topics.csv")
    )
    return sorted({w for w in words(text) if len(w) >= 4 and not w.isascii()})


class Writer:
    """Draws words: a share from the domain pool, the rest from the dictionary by Zipf."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.domain = domain_pool()
        general = russian_words()
        rng.shuffle(general)
        self.general = general[:GENERAL_WORDS]
        weights = [1 / (rank + 1 + ZIPF_OFFSET) ** ZIPF for rank in range(len(self.general))]
        total = 0.0
        self.cumulative = []
        for w in weights:
            total += w
            self.cumulative.append(total)

    def text(self, n: int, domain_share: float) -> list[str]:
        k = sum(self.rng.random() < domain_share for _ in range(n))
        out = self.rng.choices(self.domain, k=k)
        out += self.rng.choices(self.general, cum_weights=self.cumulative, k=n - k)
        self.rng.shuffle(out)
        return out


def catalog(n: int, writer: Writer, topics: list[str]) -> Iterator[MaterialInput]:
    """Materials one by one: the bench holds no 100k texts of its own while it measures."""
    rng = writer.rng
    for i in range(n):
        title = " ".join(writer.text(rng.randint(4, 8), 0.5)).capitalize()
        yield MaterialInput(
            title=title[:200],
            kind=rng.choice(list(Kind)),
            topics=rng.sample(topics, rng.randint(1, 3)),
            description=" ".join(writer.text(rng.randint(15, 35), 0.3)),
            tags=writer.text(3, 0.6),
            url=f"https://disk.example.ru/synthetic/{i}",
            published_at=f"{rng.randint(2019, 2025)}-{rng.randint(1, 12):02d}-01",
        )


def misspell(word: str, edits: int, rng: random.Random) -> str:
    for _ in range(edits):
        i = rng.randrange(1, len(word) - 1)
        op = rng.choice("sdt")
        if op == "s":
            word = word[:i] + rng.choice(LETTERS) + word[i + 1 :]
        elif op == "d":
            word = word[:i] + word[i + 1 :]
        else:
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word


def make_query(kind: str, title: list[str], rng: random.Random) -> str | None:
    long = [w for w in title if len(w) >= 5]
    pair = rng.sample(title, min(2, len(title)))
    if kind == "plain":
        return " ".join(pair)
    if kind == "layout":
        return ru_to_en(" ".join(pair))
    if kind == "question":
        return rng.choice(QUESTIONS).format(*pair, *pair)
    if not long:
        return None
    w = rng.choice(long)
    if kind == "morphology":
        forms = [f for f in lexeme(w) if f != w]
        return rng.choice(forms) if forms else None
    if kind == "typo1":
        return misspell(w, 1, rng)
    if kind == "typo2":
        return misspell(w, 2, rng) if len(w) >= 6 else None
    return w[:5] if len(w) >= 7 else None


def queries(titles: list[str], rng: random.Random, per_kind: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for kind in KINDS:
        made = 0
        for _ in range(per_kind * 20):
            if made == per_kind:
                break
            q = make_query(kind, words(rng.choice(titles)), rng)
            if q and q not in seen:
                seen.add(q)
                out.append((kind, q))
                made += 1
    rng.shuffle(out)
    return out


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


async def build(n: int, work: Path) -> None:
    """Phase 1, a process of its own: write the catalog through the real storage path."""
    rng = random.Random(n)
    writer = Writer(rng)
    db = Database(work / "speed.sqlite3")
    await db.connect()
    repo = CatalogRepo(db)
    await repo.ensure_topics()
    topics = [t.code for t in await repo.topics()]
    # Queries are made from the titles of a random sample of materials.
    sampled = set(rng.sample(range(n), min(n, 3000)))
    titles: list[str] = []
    materials = catalog(n, writer, topics)
    # Only the writes are timed: making up the Russian text of a chunk is the bench's work,
    # not the import's (a sixth of the old figure at 100k).
    seconds = 0.0
    done = 0
    while chunk := list(islice(materials, 500)):
        started = time.perf_counter()
        await repo.upsert_many([(m, None) for m in chunk])
        seconds += time.perf_counter() - started
        titles.extend(m.title for i, m in enumerate(chunk, done) if i in sampled)
        done += len(chunk)
    peak = peak_rss_mib()
    await db.close()
    (work / "build.json").write_text(
        json.dumps({"build_s": seconds, "peak": peak, "titles": titles}, ensure_ascii=False)
    )


async def serve(n: int, work: Path) -> None:
    """Phase 3, a process of its own, as the bot is: open the database, build the vocabulary
    (the first search would pay for it), answer every query once."""
    plan = json.loads((work / "queries.json").read_text("utf-8"))
    db = Database(work / "speed.sqlite3")
    await db.connect()
    repo = CatalogRepo(db)
    started = time.perf_counter()
    vocab = await repo.vocabulary()
    vocabulary_s = time.perf_counter() - started
    terms = sum(1 for t in vocab.df if "_" not in t)  # words, not concepts or bigrams
    for _, q in plan["warm"]:  # first-use costs (imports, statement cache) are not a query's
        await repo.search(q)
    latencies: dict[str, list[float]] = {k: [] for k in KINDS}
    for kind, q in plan["queries"]:
        t = time.perf_counter()
        await repo.search(q)
        latencies[kind].append((time.perf_counter() - t) * 1000)
    peak = peak_rss_mib()
    await db.close()
    (work / "serve.json").write_text(
        json.dumps(
            {"vocabulary_s": vocabulary_s, "terms": terms, "peak": peak, "latencies": latencies}
        )
    )


def one_size(n: int, per_kind: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        phase(n, "build", work)
        built = json.loads((work / "build.json").read_text("utf-8"))
        # Phase 2, here: the queries need pymorphy3 for other word forms, which the bot has not.
        rng = random.Random(-n)
        plan = {
            "queries": queries(built["titles"], rng, per_kind),
            "warm": queries(built["titles"], random.Random(n), 3),
        }
        (work / "queries.json").write_text(json.dumps(plan, ensure_ascii=False), "utf-8")
        phase(n, "serve", work)
        served = json.loads((work / "serve.json").read_text("utf-8"))
    latencies: dict[str, list[float]] = served["latencies"]
    every = [x for v in latencies.values() for x in v]
    per_kind_p99 = {k: pct(v, 0.99) for k, v in latencies.items() if v}
    worst = max(per_kind_p99, key=lambda k: per_kind_p99[k])
    kinds = " ".join(
        f"{k}_p50={pct(v, 0.5):.1f} {k}_p99={pct(v, 0.99):.1f}" for k, v in latencies.items() if v
    )
    build_s = built["build_s"] + served["vocabulary_s"]
    peak = max(built["peak"], served["peak"])
    print(
        f"size={n} terms={served['terms']} build_s={build_s:.1f} "
        f"(writes {built['build_s']:.1f} + vocabulary {served['vocabulary_s']:.1f}) "
        f"p50_ms={pct(every, 0.5):.1f} p99_ms={pct(every, 0.99):.1f} peak_rss_mib={peak:.0f} "
        f"(build {built['peak']:.0f}, serve {served['peak']:.0f}) queries={len(every)} {kinds}",
        flush=True,
    )
    return {
        "n": n,
        "terms": served["terms"],
        "build_s": build_s,
        "p50_ms": pct(every, 0.5),
        "p99_ms": pct(every, 0.99),
        "worst_kind": worst,
        "worst_kind_p99_ms": per_kind_p99[worst],
        "peak_rss_mib": peak,
    }


def phase(n: int, name: str, work: Path) -> None:
    subprocess.run(  # noqa: S603 - this same script, in a fresh process per phase
        [sys.executable, __file__, f"--{name}", str(n), "--work", str(work)], check=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200, help="queries per kind")
    parser.add_argument("--build", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        asyncio.run(build(args.build, args.work))
        return
    if args.serve:
        asyncio.run(serve(args.serve, args.work))
        return
    russian_words()  # fill the word cache once, outside the timed builds
    last: dict[str, object] = {}
    for size in args.sizes:
        last = one_size(size, args.queries)
    print(
        f"SPEED n={last['n']} terms={last['terms']} build_s={last['build_s']:.1f} "
        f"p50_ms={last['p50_ms']:.1f} p99_ms={last['p99_ms']:.1f} "
        f"worst_kind={last['worst_kind']} worst_kind_p99_ms={last['worst_kind_p99_ms']:.1f} "
        f"peak_rss_mib={last['peak_rss_mib']:.0f}"
    )


if __name__ == "__main__":
    main()
