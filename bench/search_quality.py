"""Search quality: nDCG@10, MRR and recall@5 per query kind and overall.

Loads the catalog into a fresh database through the real import path and searches through the
real engine. The last line is ``ALL nDCG@10=… MRR=… R@5=…``.

    .venv/bin/python bench/search_quality.py \
        --materials ../shared/catalog/materials.csv --queries ../shared/catalog/queries_dev.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.catalog import CatalogRepo
from storage.db import Database
from storage.imports import import_file


def ndcg10(ranked: list[int], relevant: dict[int, int]) -> float:
    dcg = sum(relevant.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted(relevant.values(), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def mrr(ranked: list[int], relevant: dict[int, int]) -> float:
    for i, d in enumerate(ranked):
        if relevant.get(d, 0) >= 1:
            return 1 / (i + 1)
    return 0.0


def recall5(ranked: list[int], relevant: dict[int, int]) -> float:
    wanted = {d for d, g in relevant.items() if g >= 1}
    return len(wanted & set(ranked[:5])) / len(wanted) if wanted else 0.0


def use_pymorphy() -> None:
    """Swap Snowball stems for pymorphy3 lemmas everywhere the engine stems a word."""
    from functools import lru_cache

    import pymorphy3

    import catalog.glossary
    import catalog.search
    import catalog.text

    analyzer = pymorphy3.MorphAnalyzer()
    snowball = catalog.text.stem

    @lru_cache(maxsize=65536)
    def lemma(word: str) -> str:
        if not catalog.text.has_cyrillic(word):
            return snowball(word)
        return str(analyzer.parse(word)[0].normal_form).replace("ё", "е")

    catalog.text.stem = lemma
    catalog.search.stem = lemma
    catalog.glossary.stem = lemma


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--materials", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--verbose", action="store_true", help="print every query that misses")
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.8,
        help="with --verbose: print queries below this nDCG@10",
    )
    parser.add_argument(
        "--morph",
        choices=("snowball", "pymorphy"),
        default="snowball",
        help="morphology to measure (pymorphy needs: pip install -e '.[bench]')",
    )
    args = parser.parse_args()
    if args.morph == "pymorphy":
        use_pymorphy()

    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "q.sqlite3")
        await db.connect()
        repo = CatalogRepo(db)
        build_started = time.perf_counter()
        report = await import_file(repo, args.materials.read_bytes(), args.materials.name)
        print(f"imported={report.imported} problems={len(report.problems)}")
        print(f"morphology={args.morph} index_build_s={time.perf_counter() - build_started:.2f}")
        per_kind: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
        latencies: list[float] = []
        for line in args.queries.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            q = json.loads(line)
            relevant = {int(k): int(v) for k, v in q["relevant"].items()}
            started = time.perf_counter()
            result = await repo.search(q["q"])
            latencies.append(time.perf_counter() - started)
            scores = (
                ndcg10(result.ids, relevant),
                mrr(result.ids, relevant),
                recall5(result.ids, relevant),
            )
            per_kind[q["kind"]].append(scores)
            if args.verbose and scores[0] < args.threshold:
                print(
                    f"  MISS [{q['kind']}] {q['q']!r} ndcg={scores[0]:.2f} got={result.ids[:6]} "
                    f"want={relevant} plan={[g.alternatives for g in result.plan.groups]}"
                )
        await db.close()

    latencies.sort()
    print(
        f"query_ms p50={latencies[len(latencies) // 2] * 1000:.1f} max={latencies[-1] * 1000:.1f}"
    )
    everything = [s for scores in per_kind.values() for s in scores]
    for kind, scores in sorted(per_kind.items()):
        n = len(scores)
        print(
            f"{kind:<13} n={n:<3} nDCG@10={sum(s[0] for s in scores) / n:.3f} "
            f"MRR={sum(s[1] for s in scores) / n:.3f} R@5={sum(s[2] for s in scores) / n:.3f}"
        )
    n = len(everything)
    print(
        f"ALL nDCG@10={sum(s[0] for s in everything) / n:.3f} "
        f"MRR={sum(s[1] for s in everything) / n:.3f} R@5={sum(s[2] for s in everything) / n:.3f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
