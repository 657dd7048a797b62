"""Trend charts as PNG images.

matplotlib is driven through its object API with the Agg canvas, never through pyplot: pyplot
keeps global figure state, which is neither thread-safe nor freed, and charts are drawn in a
worker thread so the event loop keeps serving updates meanwhile. DejaVu Sans, which ships with
matplotlib, has Cyrillic, so Russian labels need no system fonts.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from catalog.stats import METHOD_TITLES, Method, linear_trend, smooth

# 1200×675: Telegram shows a 16:9 picture full width on a phone without cropping.
WIDTH_PX, HEIGHT_PX, DPI = 1200, 675, 100


@dataclass(frozen=True, slots=True)
class Chart:
    png: bytes
    # Why the smoothed line is missing, if it is (too few points for the method).
    note: str = ""


def weekly_chart(title: str, weeks: list[date], values: list[int], method: Method) -> Chart:
    """Raw weekly downloads, their moving average and the linear trend, on one picture."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    smoothed = smooth(values, method)
    trend = linear_trend(values)
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    xs = list(range(len(weeks)))
    axes.bar(xs, values, color="#9ecae1", label="Скачивания за неделю")
    if smoothed.smoothed:
        axes.plot(
            xs,
            smoothed.values,
            color="#08519c",
            linewidth=2.5,
            label=METHOD_TITLES[method].capitalize(),
        )
    if len(values) >= 2:
        axes.plot(xs, trend, color="#e6550d", linewidth=2, linestyle="--", label="Линейный тренд")
    axes.set_title(title[:90], fontsize=15)
    axes.set_ylabel("Скачиваний за неделю")
    axes.set_xlabel("Неделя (понедельник)")
    step = max(1, len(weeks) // 13)
    ticks = xs[::step]
    axes.set_xticks(ticks, [weeks[i].strftime("%d.%m.%y") for i in ticks], rotation=45)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(loc="upper left")
    if smoothed.note:
        figure.text(0.01, 0.01, smoothed.note, fontsize=9, color="#636363")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return Chart(buffer.getvalue(), smoothed.note)
