"""The pictures of a batch on the review index: facts per year by unit level, and how the
attainment percentages spread. Drawn by matplotlib (Agg, no display, no pyplot state) as SVG
and returned as data: URIs, so the site needs no network and no file beside the page.
"""
from __future__ import annotations

import base64
import io
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from .schema import Record

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_LEVELS_SHOWN = 6              # more colours than this in one bar cannot be told apart
_ATTAINMENT_STEP = 10          # percentage points per bar
_ATTAINMENT_TOP = 200          # "đạt 350%" is rare and would squash the rest: gathered in the last bar
_NO_LEVEL, _OTHER_LEVELS = "no level", "other levels"


def fact_year(record: Record) -> Optional[int]:
    """The year a record's facts belong to: the end of its period (the start when open-ended),
    or the date a membership count holds."""
    if record.type == "membership":
        day = record.as_of
    else:
        day = (record.period.end or record.period.start) if record.period else None
    return int(day[:4]) if day else None


@dataclass
class BatchFigures:
    """What the pictures need, gathered one record at a time: a batch never sits in memory."""
    by_year_level: Counter = field(default_factory=Counter)
    no_year: int = 0
    attainment: list[float] = field(default_factory=list)

    def add(self, record: Record) -> None:
        measures = record.measures()
        year = fact_year(record)
        if year is None:
            self.no_year += len(measures)
        else:
            self.by_year_level[year, record.unit.level or _NO_LEVEL] += len(measures)
        if "attainment_pct" in measures:
            self.attainment.append(measures["attainment_pct"])

    def pictures(self) -> list[tuple[str, str]]:
        """(caption, data: URI) of each picture there is something to draw for."""
        pictures = []
        if self.by_year_level:
            caption = "Facts per year by unit level"
            if self.no_year:
                caption += f" ({self.no_year} facts with no year are left out)"
            pictures.append((caption, _svg_uri(self._years_figure())))
        if self.attainment:
            pictures.append((f"Attainment percentages ({len(self.attainment)} facts)",
                             _svg_uri(self._attainment_figure())))
        return pictures

    def _years_figure(self) -> "Figure":
        levels: Counter = Counter()
        for (_, level), facts in self.by_year_level.items():
            levels[level] += facts
        shown = [level for level, _ in levels.most_common() if level != _NO_LEVEL][:_LEVELS_SHOWN]
        rows = shown + [_OTHER_LEVELS, _NO_LEVEL]
        counts: dict[str, Counter] = {row: Counter() for row in rows}
        for (year, level), facts in self.by_year_level.items():
            row = level if level in shown or level == _NO_LEVEL else _OTHER_LEVELS
            counts[row][year] += facts
        years = sorted({year for year, _ in self.by_year_level})
        figure, axes = _figure()
        bottom = [0] * len(years)
        for row in rows:
            heights = [counts[row][year] for year in years]
            if any(heights):
                axes.bar(years, heights, bottom=bottom, label=row, width=0.8)
                bottom = [b + h for b, h in zip(bottom, heights)]
        axes.set_xlabel("year of the period (membership: of the count)")
        axes.set_ylabel("facts")
        axes.legend(fontsize="small", frameon=False)
        return figure

    def _attainment_figure(self) -> "Figure":
        figure, axes = _figure()
        clipped = [min(value, _ATTAINMENT_TOP + _ATTAINMENT_STEP / 2) for value in self.attainment]
        edges = list(range(0, _ATTAINMENT_TOP + 2 * _ATTAINMENT_STEP, _ATTAINMENT_STEP))
        axes.hist(clipped, bins=edges, color="#5b8def", edgecolor="white")
        axes.axvline(100, color="#c0392b", linewidth=1)
        axes.set_xlabel(f"attainment of the target, % (over {_ATTAINMENT_TOP} in the last bar)")
        axes.set_ylabel("facts")
        return figure


def _figure() -> tuple["Figure", "Axes"]:
    from matplotlib.figure import Figure   # imported here: `extract` never pays for matplotlib
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(6.4, 3.4), layout="constrained")
    axes = figure.subplots()
    axes.spines[["top", "right"]].set_visible(False)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))   # years and whole percentages: no 2019.5
    return figure, axes


def _svg_uri(figure: "Figure") -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})   # no date: the same batch, the same bytes
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
