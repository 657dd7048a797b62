"""Search speed: synthetic Russian catalogs of 1k, 10k and 100k materials.

For each size (in its own process, so memory figures don't mix) it builds the index through the
real storage path, times a mixed query set (plain, morphology, typo, layout, prefix) and prints
p50/p99 latency, the build time and the process RSS.

    .venv/bin/python bench/search_speed.py            # 1k, 10k, 100k
    .venv/bin/python bench/search_speed.py --sizes 1000 --queries 200
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from catalog.model import Kind, MaterialInput
from catalog.text import ru_to_en, words
from storage.catalog import CatalogRepo
from storage.db import Database

ENDINGS = ["а", "ы", "ов", "ами", "ах", "ой", "ую", "ее", "ие", "ого", "ым"]


def word_pool() -> list[str]:
    """Russian words from the project's own texts: demo catalog, glossary and topics."""
    data = resources.files("catalog.data")
    text = " ".join(
        data.joinpath(name).read_text("utf-8")
        for name in ("demo_materials.csv", "glossary.txt", "topics.csv")
    )
    return sorted({w for w in words(text) if len(w) >= 4 and not w.isascii()})


def synthetic(
    n: int, rng: random.Random, pool: list[str], topics: list[str]
) -> list[MaterialInput]:
    out = []
    for i in range(n):
        title = " ".join(rng.choices(pool, k=rng.randint(3, 7))).capitalize()
        out.append(
            MaterialInput(
                title=title[:200],
                kind=rng.choice(list(Kind)),
                topics=rng.sample(topics, rng.randint(1, 3)),
                description=" ".join(rng.choices(pool, k=rng.randint(12, 30))),
                tags=rng.sample(pool, 3),
                url=f"https://disk.example.ru/synthetic/{i}",
                published_at=f"{rng.randint(2019, 2025)}-{rng.randint(1, 12):02d}-01",
            )
        )
    return out


def queries(
    materials: list[MaterialInput], rng: random.Random, count: int
) -> list[tuple[str, str]]:
    out = []
    kinds = ["plain", "morphology", "typo", "layout", "prefix"]
    for i in range(count):
        kind = kinds[i % len(kinds)]
        title = words(rng.choice(materials).title)
        w = rng.choice(title)
        if kind == "plain":
            q = " ".join(rng.sample(title, min(2, len(title))))
        elif kind == "morphology":
            q = w[:-2] + rng.choice(ENDINGS)
        elif kind == "typo":
            pos = rng.randrange(1, len(w) - 1)
            q = w[:pos] + rng.choice("аеиоу") + w[pos + 1 :]
        elif kind == "layout":
            q = ru_to_en(" ".join(rng.sample(title, min(2, len(title)))))
        else:
            q = w[:5]
        out.append((kind, q))
    return out


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def one_size(n: int, query_count: int) -> None:
    rng = random.Random(n)
    pool = word_pool()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "speed.sqlite3")
        await db.connect()
        repo = CatalogRepo(db)
        await repo.ensure_topics()
        topics = [t.code for t in await repo.topics()]
        materials = synthetic(n, rng, pool, topics)
        started = time.perf_counter()
        for i in range(0, n, 500):
            await repo.upsert_many([(m, None) for m in materials[i : i + 500]])
        await repo.vocabulary()  # part of the build: the first search would pay for it
        build = time.perf_counter() - started
        qs = queries(materials, rng, query_count)
        for _, q in qs[:20]:  # warm the caches once
            await repo.search(q)
        latencies: dict[str, list[float]] = {}
        for kind, q in qs:
            t = time.perf_counter()
            await repo.search(q)
            latencies.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
        await db.close()
    every = sorted(x for v in latencies.values() for x in v)

    def pct(values: list[float], p: float) -> float:
        values = sorted(values)
        return values[min(len(values) - 1, int(p * len(values)))]

    per_kind = " ".join(f"{k}_p99={pct(v, 0.99):.1f}" for k, v in latencies.items())
    print(
        f"size={n} build_s={build:.1f} p50_ms={pct(every, 0.5):.1f} p99_ms={pct(every, 0.99):.1f} "
        f"rss_mib={rss_mib():.0f} queries={len(every)} {per_kind}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        asyncio.run(one_size(args.one, args.queries))
        return
    for size in args.sizes:
        subprocess.run(  # noqa: S603 - this same script, in a fresh process per size
            [sys.executable, __file__, "--one", str(size), "--queries", str(args.queries)],
            check=True,
        )


if __name__ == "__main__":
    main()
