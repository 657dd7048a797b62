"""Applying an import plan to the catalog, with progress callbacks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from catalog.importer import ImportPlan, RowProblem, parse, read_table
from storage.catalog import CatalogRepo

Progress = Callable[[int, int], Awaitable[None]]


@dataclass(slots=True)
class ImportReport:
    created: int = 0
    updated: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated


async def import_file(
    repo: CatalogRepo,
    data: bytes,
    filename: str,
    progress: Progress | None = None,
    every: int = 50,
) -> ImportReport:
    """Import CSV/XLSX bytes; raises ImportFormatError when the file cannot be read at all."""
    await repo.ensure_topics()
    known = {t.code for t in await repo.topics()}
    plan: ImportPlan = parse(read_table(data, filename), known)
    report = ImportReport(problems=list(plan.problems))
    total = len(plan.rows)
    for done, row in enumerate(plan.rows, 1):
        try:
            _, created = await repo.upsert(row.material, row.material_id)
        except Exception as e:  # one bad row (a constraint) must not stop the rest
            report.problems.append(RowProblem(row.row, "", f"не сохранено: {type(e).__name__}"))
            continue
        if created:
            report.created += 1
        else:
            report.updated += 1
        if progress is not None and (done % every == 0 or done == total):
            await progress(done, total)
    report.problems.sort(key=lambda p: p.row)
    return report
