"""Eval reports: the terminal tables, report.md, the per-section chart and the files.

Formats come from the metric registry (:mod:`careerbot.evaluation.metrics`).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from careerbot.evaluation.metrics import BY_NAME, compare, share
from careerbot.evaluation.metrics import fmt as _fmt
from careerbot.evaluation.questions import EvalQuestion
from careerbot.evaluation.scoring import QuestionResult, fact_label


def _fmt_delta(name: str, delta: float | None) -> str:
    return "n/a" if delta is None else ("+" if delta > 0 else "") + _fmt(name, delta)


def _delta_style(name: str, delta: float | None) -> str:
    metric = BY_NAME[name]
    if not delta or not metric.judged:
        return ""
    better = delta < 0 if metric.lower_is_better else delta > 0
    return "green" if better else "red"


def _expected(q: EvalQuestion) -> str:
    if q.answerable is False:
        return "(refusal)"
    return "; ".join(fact_label(f) for f in q.expected_facts) or "(anything)"


def failing(results: Iterable[QuestionResult]) -> list[QuestionResult]:
    """Select the results with at least one problem."""
    return [r for r in results if r.problems()]


def render_report(
    console: Console,
    metrics: Mapping[str, Any],
    results: Sequence[QuestionResult],
    baseline: Mapping[str, Any] | None = None,
) -> None:
    """Print the metrics table, the refusal table and the failing questions.

    Args:
        console: Where to print.
        metrics: From :func:`compute_metrics`.
        results: Per-question results.
        baseline: A baseline summary; adds baseline and difference columns.

    """
    table = Table(title="Metrics")
    for col in ("metric", "value", *(("baseline", "diff") if baseline is not None else ())):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for name, value, base, delta in compare(metrics, baseline or {}):
        extra = (_fmt(name, base), Text(_fmt_delta(name, delta), _delta_style(name, delta)))
        table.add_row(name, _fmt(name, value), *(extra if baseline is not None else ()))
    console.print(table)

    cells = metrics["refusal_table"]
    refusals = Table(title="Refusals")
    for col in ("expected", "answered", "refused"):
        refusals.add_column(col, justify="left" if col == "expected" else "right")
    for row in ("answerable", "unanswerable"):
        refusals.add_row(row, str(cells[row]["answered"]), str(cells[row]["refused"]))
    console.print(refusals)

    bad = failing(results)
    if not bad:
        console.print("[green]No failing questions.[/green]")
        return
    fails = Table(title=f"Failing questions ({len(bad)} of {len(results)})", show_lines=True)
    for col in ("id", "question", "expected", "got", "cited sections", "problems"):
        fails.add_column(col, overflow="fold", no_wrap=col == "id")
    for r in bad:
        fails.add_row(*(Text(s) for s in _failing_row(r)))
    console.print(fails)


def _failing_row(r: QuestionResult) -> tuple[str, ...]:
    got = ("(refused) " if r.refused else "") + r.got
    return (r.question.id, textwrap.shorten(r.question.question, 70, placeholder=" …"),
            _expected(r.question), textwrap.shorten(got, 70, placeholder=" …") or "-",
            ", ".join(dict.fromkeys(r.cited_sections)) or "-", "; ".join(r.problems()))


def _md_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    def cell(s: str) -> str:
        return s.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(cell(s) for s in row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(
    metrics: Mapping[str, Any],
    results: Sequence[QuestionResult],
    baseline: Mapping[str, Any] | None = None,
    bar_failures: Sequence[str] = (),
    files: Sequence[Path] = (),
) -> str:
    """Render the ``report.md`` text.

    It holds the metrics (beside a baseline if given), refusals, verification counts, the
    section chart, failed bars, and the failing questions.
    """
    header = ["metric", "value", *(["baseline", "diff"] if baseline is not None else [])]
    rows = [
        [name, _fmt(name, value), *([_fmt(name, base), _fmt_delta(name, delta)]
                                    if baseline is not None else [])]
        for name, value, base, delta in compare(metrics, baseline or {})
    ]
    cells = metrics["refusal_table"]
    returned = [r for r in results if r.error is None]
    changed = [r.question.id for r in returned if r.verified is False]
    bad = failing(results)
    parts = [
        "# careerbot evaluation", "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {len(results)} questions from "
        + (", ".join(f"`{f}`" for f in files) or "(no files)") + ".", "",
        "## Metrics", "", _md_table(header, rows), "",
        "## Refusals", "",
        _md_table(["expected", "answered", "refused"],
                  [[k, str(cells[k]["answered"]), str(cells[k]["refused"])]
                   for k in ("answerable", "unanswerable")]), "",
        "## Verification", "",
        f"{len(changed)} of {len(returned)} answers were changed by verification "
        "(`verified` is false)" + (": " + ", ".join(f"`{i}`" for i in changed) if changed else "")
        + ".", "",
        "## By section", "", "![Fact recall and citation support by section](by_section.png)", "",
    ]
    if bar_failures:
        parts += ["## Failed bars", "", *(f"- {f}" for f in bar_failures), ""]
    parts += [f"## Failing questions ({len(bad)} of {len(results)})", ""]
    parts += [_md_table(["id", "question", "expected", "got", "cited sections", "problems"],
                        [_failing_row(r) for r in bad]) if bad else "None.", ""]
    return "\n".join(parts)


def plot_sections(results: Sequence[QuestionResult], path: Path) -> None:
    """Write a PNG bar chart of fact recall and citation support per expected section."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    groups: dict[str, list[QuestionResult]] = {}
    for r in results:
        if r.question.answerable is True and r.question.expected_section:
            groups.setdefault(r.question.expected_section, []).append(r)
    fig = Figure(figsize=(8.0, 1.5 + 0.5 * max(len(groups), 2)))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if groups:
        y = [-i for i in range(len(groups))]  # first section at the top
        recall = [share(r.facts_ok for r in g) or 0.0 for g in groups.values()]
        support = [share(r.support_ok for r in g) or 0.0 for g in groups.values()]
        ax.barh([i + 0.2 for i in y], recall, 0.4, label="fact recall")
        ax.barh([i - 0.2 for i in y], support, 0.4, label="citation support")
        ax.set_yticks(y, [f"{name} (n={len(g)})" for name, g in groups.items()], fontsize=8)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False)
    else:
        ax.text(0.5, 0.5, "no answerable questions with expected_section", ha="center")
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of answerable questions")
    ax.set_title("Fact recall and citation support by expected section")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write_artifacts(
    out_dir: Path,
    metrics: Mapping[str, Any],
    results: Sequence[QuestionResult],
    baseline: Mapping[str, Any] | None = None,
    bar_failures: Sequence[str] = (),
    files: Sequence[Path] = (),
) -> list[Path]:
    """Write summary.json, per_question.jsonl, report.md and by_section.png into ``out_dir``.

    Returns:
        The paths written.

    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / n for n in
             ("summary.json", "per_question.jsonl", "report.md", "by_section.png")]
    paths[0].write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", "utf-8")
    paths[1].write_text("".join(json.dumps(r.record(), ensure_ascii=False) + "\n"
                                for r in results), "utf-8")
    paths[2].write_text(render_markdown(metrics, results, baseline, bar_failures, files), "utf-8")
    plot_sections(results, paths[3])
    return paths


