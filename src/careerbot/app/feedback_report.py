"""``careerbot feedback report``: what the votes say, per section and per answer kind, and
which questions were voted down and why, so the next fix starts from real complaints.

:func:`summarize` and :func:`render` are plain functions over the stored rows; only
:func:`chart` touches matplotlib.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NO_SOURCES = "(no sources)"
UNRECORDED = "(not recorded)"
"""Kind of a vote stored before answer kinds were recorded, on an answer without sources."""


@dataclass
class Tally:
    """Votes up and down on one group of answers."""

    up: int = 0
    down: int = 0

    @property
    def total(self) -> int:
        """All votes."""
        return self.up + self.down


@dataclass
class Report:
    """Votes grouped two ways, and the down-voted rows (newest first)."""

    total: Tally = field(default_factory=Tally)
    by_section: dict[str, Tally] = field(default_factory=dict)
    by_kind: dict[str, Tally] = field(default_factory=dict)
    down: list[dict[str, Any]] = field(default_factory=list)


def _kind(row: dict[str, Any]) -> str:
    # Rows from before the kind column: an answer with sources was an answer.
    return str(row.get("kind") or ("answer" if row["citations"] else UNRECORDED))


def summarize(rows: Iterable[dict[str, Any]]) -> Report:
    """Count each vote once per kind and once per section its answer cites."""
    report = Report()
    for row in rows:
        up = row["vote"] > 0
        sections = {str(c.get("section", "")) for c in row["citations"]} or {NO_SOURCES}
        groups = [report.by_kind.setdefault(_kind(row), Tally())]
        groups += [report.by_section.setdefault(s, Tally()) for s in sorted(sections)]
        for tally in [report.total, *groups]:
            tally.up += up
            tally.down += not up
        if not up:
            report.down.insert(0, row)
    return report


def _table(title: str, groups: dict[str, Tally]) -> list[str]:
    width = max([len(title), *map(len, groups)])
    lines = [f"{title:<{width}}  {'up':>4}  {'down':>4}  {'up %':>5}"]
    for name, t in sorted(groups.items(), key=lambda kv: (-kv[1].down, -kv[1].total, kv[0])):
        lines.append(f"{name:<{width}}  {t.up:>4}  {t.down:>4}  {100 * t.up / t.total:>4.0f}%")
    return lines


def render(report: Report) -> str:
    """The report as plain text: totals, two tables (most down-votes first), the complaints."""
    t = report.total
    if not t.total:
        return "No feedback yet: votes appear here once someone rates an answer on the chat page."
    lines = [f"{t.total} votes: {t.up} up, {t.down} down.", ""]
    lines += _table("Section cited", report.by_section) + [""]
    lines += _table("Answer kind", report.by_kind) + [""]
    lines.append(f"Voted down ({len(report.down)}), newest first:" if report.down else "No down-votes.")
    for row in report.down:
        lines.append(f"- {row['timestamp']}  {row['question']!r}  ({_kind(row)})")
        if row["comment"]:
            lines.append(f"    comment: {row['comment']}")
    return "\n".join(lines)


def chart(report: Report, path: Path) -> Path:
    """A horizontal bar chart of up and down votes per cited section, written to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = sorted(report.by_section.items(), key=lambda kv: (kv[1].total, kv[0]))
    names = [name for name, _ in groups]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(names) + 1.4))
    ax.barh(names, [t.up for _, t in groups], color="#3a7d44", label="up")
    ax.barh(names, [-t.down for _, t in groups], color="#b23a48", label="down")
    ax.axvline(0, color="#333", linewidth=0.8)
    ax.set_xlabel("votes (down to the left, up to the right)")
    ax.set_title("careerbot feedback by cited section")
    ax.legend(loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
