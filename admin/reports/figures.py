"""Small-number suppression and the shapes every report shares (tables, charts, the report).

Auditors see counts of 1 to 4 as ``<5``, as official statistics do; a share or a mean over 1 to
4 people is suppressed too, since it would reveal the count. Caseworkers and administrators see
exact figures. The same suppressed values go to the page, the JSON and every export.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import format_decimal, format_percent

from admin.reports.periods import Period

#: What a suppressed count (1–4) is shown as.
SUPPRESSED = "<5"


@dataclass(frozen=True)
class Figures:
    """Turns exact counts into what a viewer may see (``suppress``: the auditor's view)."""

    suppress: bool = False

    def hidden(self, n: int) -> bool:
        return self.suppress and 1 <= n <= 4

    def count(self, n: int) -> int | str:
        """A count of people, or ``<5`` for an auditor when it is 1 to 4."""
        return SUPPRESSED if self.hidden(n) else n

    def share(self, part: int, whole: int) -> float | str | None:
        """part/whole as a fraction rounded to three decimals; None when whole is 0."""
        if whole == 0:
            return None
        if self.hidden(part) or self.hidden(whole):
            return SUPPRESSED
        return round(part / whole, 3)

    def measure(self, value: float | None, people: int) -> float | str | None:
        """A statistic (median, mean) over ``people``: suppressed when they are 1 to 4."""
        if value is None:
            return None
        return SUPPRESSED if self.hidden(people) else value

    def by_gender(self, genders: Counter) -> dict[str, int | str]:
        """``{"total", "women", "men", "unknown"}`` of a Counter of genders."""
        return {
            "total": self.count(sum(genders.values())),
            "women": self.count(genders["women"]),
            "men": self.count(genders["men"]),
            "unknown": self.count(genders["unknown"]),
        }


@dataclass
class Column:
    """A table column: its JSON key, its heading and how its cells are formatted."""

    key: str
    label: Any
    #: text, count, hours, share or days
    kind: str = "count"


@dataclass
class Table:
    """A table of a report: the page shows it, the exports write it."""

    key: str
    caption: Any
    columns: list[Column]
    rows: list[list[Any]]


@dataclass
class Bar:
    """One bar of a chart; value None when suppressed or empty (no bar, the text says why)."""

    label: str
    value: float | None
    text: str


@dataclass
class Chart:
    """A horizontal bar chart drawn as SVG on the server, with a text equivalent."""

    title: Any
    description: Any
    bars: list[Bar]
    #: The value a full-width bar stands for (100 for per cent); else the largest bar.
    scale: float | None = None

    @property
    def maximum(self) -> float:
        if self.scale:
            return self.scale
        return max((bar.value for bar in self.bars if bar.value), default=0) or 1


@dataclass
class Report:
    """One report for one period and scope, as the page, the CLI and the exports show it."""

    name: str
    title: Any
    period: Period
    counted_to: date
    municipality: str
    unit: str | None
    generated_at: datetime
    suppressed: bool
    data: dict[str, Any]
    tables: list[Table]
    chart: Chart
    definitions: list[Any]
    #: The board's own sections (heading, text), for the biennial overview.
    texts: list[tuple[Any, str]] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        """The report as one JSON object: the figures under the field names of reports.md."""
        return {
            "report": self.name,
            "period": self.period.key,
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "counted_to": self.counted_to.isoformat(),
            "municipality": self.municipality,
            "unit": self.unit,
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
            "suppressed_below_5": self.suppressed,
            **self.data,
        }


def shown(value: Any, kind: str) -> str:
    """A cell as the page and the PDF print it, in the current language (6,2 % in Swedish).

    The CSV and XLSX carry the plain numbers instead, so that spreadsheets can compute.
    """
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if kind == "share":
        return format_percent(value, "#,##0.0 %")
    if isinstance(value, float):
        return format_decimal(value, "#,##0.0#")
    return format_decimal(value, "#,##0")
