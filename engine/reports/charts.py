"""Charts of the period report: completion per lead unit and per CCHC area, and the
period against the previous period and the same period last year, as PNG.

Each chart is one stacked horizontal bar per row of ``ReportData.by_unit`` (or
``by_area``), split by official status in the order of the annex tables, with the row's
completion ("đã hoàn thành x/y") written beside it. Nothing is counted here: the bars are
the counts of ``ReportData``. The plotted series is also written into the PNG itself (text
chunk ``sauro-series``, JSON), so a test or an auditor can read back exactly what a chart
shows.

Matplotlib is used through ``Figure`` objects (no pyplot state) on the Agg backend, with
DejaVu Sans, which matplotlib ships and which covers every Vietnamese letter.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from engine.calendar.status import LABELS, TaskStatus
from engine.reports.data import REPORTED, ReportData, StatusCounts

SERIES_KEY = "sauro-series"
FONT = "DejaVu Sans"
COLORS: dict[TaskStatus, str] = {
    TaskStatus.DONE_ON_TIME: "#2e7d32",
    TaskStatus.DONE_LATE: "#9ccc65",
    TaskStatus.AWAITING: "#ffb300",
    TaskStatus.IN_PROGRESS: "#42a5f5",
    TaskStatus.OVERDUE: "#e53935",
    TaskStatus.NO_DEADLINE: "#bdbdbd",
}
_WIDTH_IN = 6.3  # 16 cm: the text width of an A4 page with NĐ 30 margins
_LABEL_CHARS = 38


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label and its counts per reported status."""

    label: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.counts[TaskStatus.DONE_ON_TIME] + self.counts[TaskStatus.DONE_LATE]


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart to draw: title and bars, top to bottom."""

    title: str
    bars: tuple[Bar, ...]

    def series(self) -> dict[str, object]:
        """What the chart shows, as JSON-ready data."""
        return {"title": self.title, "bars": [{"label": b.label, **b.counts} for b in self.bars]}


@dataclass(frozen=True, slots=True)
class ChartFiles:
    units: Path
    areas: Path
    comparison: Path | None = None


def _bar(label: str, counts: StatusCounts) -> Bar:
    return Bar(label, {str(status): counts.of(status) for status in REPORTED})


def unit_chart(data: ReportData) -> Chart:
    """Completion per lead unit."""
    bars = tuple(_bar(row.name, row.counts) for row in data.by_unit)
    return Chart(f"Kết quả thực hiện nhiệm vụ theo đơn vị chủ trì, {data.period_label}", bars)


def area_chart(data: ReportData) -> Chart:
    """Completion per CCHC area (every configured area, zeros included)."""
    bars = tuple(_bar(row.name, row.counts) for row in data.by_area)
    return Chart(f"Kết quả thực hiện nhiệm vụ theo lĩnh vực, {data.period_label}", bars)


def comparison_chart(data: ReportData) -> Chart:
    """The period's tasks by status beside the previous period's and last year's (the
    earliest first), as ``data.comparisons`` holds them."""
    rows = [(c.label, c.totals) for c in reversed(data.comparisons)]
    bars = tuple(_bar(label, counts) for label, counts in [*rows, (data.period_label, data.totals)])
    return Chart("So sánh kết quả thực hiện nhiệm vụ với các kỳ trước", bars)


def write_charts(data: ReportData, folder: Path, *, stem: str) -> ChartFiles:
    """Draw the charts of ``data`` into ``folder``: ``<stem>-don-vi.png``,
    ``<stem>-linh-vuc.png`` and, when there are earlier periods to compare with,
    ``<stem>-so-sanh.png``."""
    folder.mkdir(parents=True, exist_ok=True)
    units = draw(unit_chart(data), folder / f"{stem}-don-vi.png")
    areas = draw(area_chart(data), folder / f"{stem}-linh-vuc.png")
    comparison = (
        draw(comparison_chart(data), folder / f"{stem}-so-sanh.png") if data.comparisons else None
    )
    return ChartFiles(units=units, areas=areas, comparison=comparison)


def read_series(path: Path) -> dict[str, object]:
    """The series a chart PNG was drawn from (see the module docstring)."""
    from PIL import Image

    with Image.open(path) as image:
        text = image.info.get(SERIES_KEY)
    if not isinstance(text, str):
        raise ValueError(f"{path} has no {SERIES_KEY} chunk")
    found: dict[str, object] = json.loads(text)
    return found


def draw(chart: Chart, path: Path) -> Path:
    """Render ``chart`` to ``path`` (PNG, 200 dpi) and return ``path``."""
    rows = max(len(chart.bars), 1)
    figure = Figure(figsize=(_WIDTH_IN, 1.2 + 0.42 * rows), dpi=200)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = [_wrap(bar.label) for bar in chart.bars]
    positions = list(range(len(chart.bars)))
    left = [0] * len(chart.bars)
    for status in REPORTED:
        values = [bar.counts[status] for bar in chart.bars]
        axes.barh(positions, values, left=left, color=COLORS[status], label=LABELS[status])
        left = [a + b for a, b in zip(left, values, strict=True)]
    for position, bar in zip(positions, chart.bars, strict=True):
        axes.text(bar.total, position, f"  {bar.done}/{bar.total}", va="center", fontsize=7)
    _style(axes, chart, labels, positions)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, frameon=False,
                prop={"family": FONT, "size": 6})  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    series = json.dumps(chart.series(), ensure_ascii=False)
    figure.savefig(path, format="png", metadata={SERIES_KEY: series}, bbox_inches="tight")
    return path


def _style(axes: Axes, chart: Chart, labels: Sequence[str], positions: list[int]) -> None:
    axes.set_title(_wrap(chart.title, 60), fontsize=8.5, fontfamily=FONT, fontweight="bold")
    axes.set_yticks(positions, labels, fontsize=7, fontfamily=FONT)
    axes.invert_yaxis()
    axes.set_xlabel("Số nhiệm vụ", fontsize=7, fontfamily=FONT)
    axes.tick_params(axis="x", labelsize=7)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    top = max((bar.total for bar in chart.bars), default=0)
    axes.set_xlim(0, max(top * 1.15, 1))
    if not chart.bars:
        axes.text(0.5, 0.5, "Không có nhiệm vụ trong kỳ", ha="center", va="center",
                  transform=axes.transAxes, fontsize=8, fontfamily=FONT)  # fmt: skip
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _wrap(label: str, width: int = _LABEL_CHARS) -> str:
    """Break a long name or title over lines of about ``width`` characters."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines) or label
