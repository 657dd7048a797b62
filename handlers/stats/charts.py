"""Trend charts as PNG images.

matplotlib is driven through its object API with the Agg canvas, never through pyplot: pyplot
keeps global figure state, which is neither thread-safe nor freed, and charts are drawn in a
worker thread so the event loop keeps serving updates meanwhile. DejaVu Sans, which ships with
matplotlib, has Cyrillic, so Russian labels need no system fonts.

A week that has not ended is drawn hatched and left out of the moving average and the trend:
half a week of downloads would read as a fall.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from bot.ui import shorten
from catalog.stats import METHOD_TITLES, Method, linear_trend, smooth
from handlers.stats import texts

# 1200×675: Telegram shows a 16:9 picture full width on a phone without cropping.
WIDTH_PX, HEIGHT_PX, DPI = 1200, 675, 100
BAR, RUNNING_BAR, LINE, TREND = "#9ecae1", "#deebf7", "#08519c", "#e6550d"


@dataclass(frozen=True, slots=True)
class Chart:
    png: bytes
    # Why the smoothed line is missing, if it is (too few points for the method).
    note: str = ""
    # The lines as drawn, over the weeks that are over (a running week is fitted to nothing).
    smoothed: tuple[float, ...] = ()
    trend: tuple[float, ...] = ()


def weekly_chart(
    title: str, weeks: list[date], values: list[int], method: Method, *, running: bool = False
) -> Chart:
    """Weekly downloads, their moving average and the linear trend, on one picture. With
    ``running``, the last week is still going on: it is drawn apart and fitted to nothing."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    whole = values[:-1] if running else values
    smoothed = smooth(whole, method)
    trend = linear_trend(whole)
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    xs = list(range(len(weeks)))
    fitted = xs[: len(whole)]
    axes.bar(fitted, whole, color=BAR, label=texts.CHART_BARS)
    if running and values:
        axes.bar(
            [xs[-1]],
            [values[-1]],
            color=RUNNING_BAR,
            edgecolor=BAR,
            hatch="//",
            label=texts.CHART_RUNNING_BAR,
        )
    if smoothed.smoothed:
        title_of = METHOD_TITLES[method]
        axes.plot(fitted, smoothed.values, color=LINE, linewidth=2.5, label=title_of.capitalize())
    if len(whole) >= 2:
        axes.plot(fitted, trend, color=TREND, linewidth=2, linestyle="--", label=texts.CHART_TREND)
    axes.set_title(shorten(title, 90), fontsize=15)
    axes.set_ylabel(texts.CHART_Y)
    axes.set_xlabel(texts.CHART_X)
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
    return Chart(
        buffer.getvalue(),
        smoothed.note,
        tuple(smoothed.values) if smoothed.smoothed else (),
        tuple(trend) if len(whole) >= 2 else (),
    )
