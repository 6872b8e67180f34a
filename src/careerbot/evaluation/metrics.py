"""Eval metrics: one registry of name, function, direction and format.

A new metric is one :class:`Metric` row in :data:`METRICS`: the summary, ``--fail-under``,
the baseline diff and the reports all read the registry.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from careerbot.errors import ConfigError, EvalFileError
from careerbot.evaluation.scoring import QuestionResult, count_words

Metrics = dict[str, Any]
Results = Sequence[QuestionResult]


def share(flags: Iterable[bool | None]) -> float | None:
    """The share of true flags, rounded (None when there are none)."""
    values = [bool(f) for f in flags]
    return round(sum(values) / len(values), 4) if values else None


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return round(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo), 1)


def _answerable(results: Results) -> list[QuestionResult]:
    return [r for r in results if r.question.answerable is True]


def _unanswerable(results: Results) -> list[QuestionResult]:
    return [r for r in results if r.question.answerable is False]


def _ranks(results: Results) -> list[int]:
    return [r.section_rank for r in results if r.section_rank is not None]


def _cells(group: list[QuestionResult]) -> dict[str, int]:
    return {"answered": sum(r.answered for r in group),
            "refused": sum(r.error is None and r.refused for r in group)}


def _mrr(results: Results) -> float | None:
    ranks = _ranks(results)
    return round(statistics.fmean(1 / r if r else 0.0 for r in ranks), 4) if ranks else None


def _words_median(results: Results) -> float | None:
    words = [count_words(r.got) for r in results if r.answered]
    return statistics.median(words) if words else None


def _consistency(results: Results) -> float | None:
    """Share of paraphrase groups whose every member got all its facts."""
    groups: dict[str, list[bool]] = {}
    for r in results:
        if r.question.group:
            groups.setdefault(r.question.group, []).append(bool(r.facts_ok))
    return share(all(g) for g in groups.values())


def _ratio(value: Any) -> str:
    return f"{value:.3f}"


def _count(value: Any) -> str:
    return str(int(value))


def _ms(value: Any) -> str:
    return f"{value:.1f}"


def _plain(value: Any) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class Metric:
    """One summary metric.

    Attributes:
        name: Key in the summary and in ``--fail-under NAME=VALUE``.
        compute: Results -> value (None when there is nothing to compute it over).
        lower_is_better: A ``--fail-under`` bar is then a maximum.
        fmt: How a value (or a difference) is shown in reports.
        numeric: False for structured values (no bar, no difference).
        judged: False when a difference is neither better nor worse (counts, length).
    """

    name: str
    compute: Callable[[Results], Any]
    lower_is_better: bool = False
    fmt: Callable[[Any], str] = _ratio
    numeric: bool = True
    judged: bool = True


METRICS: tuple[Metric, ...] = (
    Metric("fact_recall", lambda rs: share(r.facts_ok for r in _answerable(rs))),
    Metric("citation_support", lambda rs: share(r.support_ok for r in _answerable(rs))),
    Metric("section_hit_at_1", lambda rs: share(rank == 1 for rank in _ranks(rs))),
    Metric("section_hit_at_k", lambda rs: share(rank >= 1 for rank in _ranks(rs))),
    Metric("mrr", _mrr),
    Metric("refusal_accuracy",
           lambda rs: share(r.refusal_ok for r in _answerable(rs) + _unanswerable(rs))),
    Metric("unanswerable_refused", lambda rs: share(r.refused for r in _unanswerable(rs))),
    Metric("answerable_refused", lambda rs: share(r.refused for r in _answerable(rs)),
           lower_is_better=True),
    Metric("refusal_table", lambda rs: {"answerable": _cells(_answerable(rs)),
                                        "unanswerable": _cells(_unanswerable(rs))}, numeric=False),
    Metric("forbidden_violations", lambda rs: sum(bool(r.forbidden_hits) for r in rs),
           lower_is_better=True, fmt=_count),
    Metric("answer_words_median", _words_median, lower_is_better=True, fmt=_plain, judged=False),
    Metric("latency_ms_p50", lambda rs: _percentile([r.latency_ms for r in rs], 0.50),
           lower_is_better=True, fmt=_ms),
    Metric("latency_ms_p95", lambda rs: _percentile([r.latency_ms for r in rs], 0.95),
           lower_is_better=True, fmt=_ms),
    Metric("dangling_openers", lambda rs: sum(r.dangling for r in rs), lower_is_better=True, fmt=_count),
    Metric("kind_accuracy", lambda rs: share(r.kind_ok for r in rs if r.kind_ok is not None)),
    Metric("smalltalk_handled", lambda rs: share(
        r.kind_ok for r in rs if r.question.expected_kind in ("smalltalk", "decline"))),
    Metric("paraphrase_consistency", _consistency),
    Metric("kinds", lambda rs: dict(Counter(r.kind for r in rs if r.kind)), numeric=False),
    Metric("n", len, fmt=_count, judged=False),
)
"""Every metric, in summary order."""
BY_NAME = {m.name: m for m in METRICS}
METRIC_KEYS = tuple(BY_NAME)
"""The keys of a summary, in order (``--json`` adds ``per_question``)."""
NUMERIC_METRICS = tuple(m.name for m in METRICS if m.numeric)
"""Metrics that can carry a ``--fail-under`` bar and a baseline difference."""
LOWER_IS_BETTER = frozenset(m.name for m in METRICS if m.lower_is_better)
"""Metrics whose ``--fail-under`` value is a maximum rather than a minimum."""


def compute_metrics(results: Results) -> Metrics:
    """Compute the summary metrics of a run, keyed as :data:`METRIC_KEYS`.

    Fact recall and citation support are over questions with ``answerable: true``; the
    section metrics over answered questions that have an ``expected_section``; refusal
    accuracy over questions with ``answerable`` set (an error is a wrong decision and sits
    in neither refusal-table cell); answer length over answered questions; latency over all.
    A share with nothing to compute it over is None.
    """
    return {m.name: m.compute(results) for m in METRICS}


def fmt(name: str, value: Any) -> str:
    """A metric's value as reports show it."""
    return "n/a" if value is None else BY_NAME[name].fmt(value)


@dataclass(frozen=True)
class Bar:
    """One ``--fail-under NAME=VALUE`` bar: a minimum, or a maximum for lower-is-better metrics."""

    name: str
    value: float

    @property
    def is_maximum(self) -> bool:
        """True when the metric must not exceed the value."""
        return self.name in LOWER_IS_BETTER


def parse_fail_under(specs: Iterable[str]) -> list[Bar]:
    """Parse ``NAME=VALUE`` bars.

    Raises:
        ConfigError: A bar is not ``NAME=VALUE``, names no numeric metric, or has no number.

    """
    bars = []
    for spec in specs:
        name, sep, raw = spec.partition("=")
        name = name.strip()
        if not sep or name not in NUMERIC_METRICS:
            raise ConfigError(
                f"--fail-under {spec!r}: expected NAME=VALUE with NAME one of "
                f"{', '.join(NUMERIC_METRICS)}."
            )
        try:
            bars.append(Bar(name, float(raw)))
        except ValueError as e:
            raise ConfigError(f"--fail-under {spec!r}: {raw.strip()!r} is not a number.") from e
    return bars


def check_bars(bars: Iterable[Bar], metrics: Mapping[str, Any]) -> list[str]:
    """One message per bar the metrics fail (a metric with no value fails); empty = pass."""
    failures = []
    for bar in bars:
        value = metrics.get(bar.name)
        if value is None:
            failures.append(f"{bar.name} has no value, so the bar {bar.value:g} is not met")
        elif bar.is_maximum and value > bar.value:
            failures.append(f"{bar.name} is {value:g}, over the maximum {bar.value:g}")
        elif not bar.is_maximum and value < bar.value:
            failures.append(f"{bar.name} is {value:g}, under the bar {bar.value:g}")
    return failures


def load_baseline(path: Path) -> Metrics:
    """Read a baseline ``summary.json`` (or ``--json`` output).

    Raises:
        EvalFileError: The file is unreadable or not a JSON object.

    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise EvalFileError(f"{path}: cannot read the baseline summary ({e}).") from e
    if not isinstance(data, dict):
        raise EvalFileError(f"{path}: the baseline must be a JSON object like summary.json.")
    return data


def compare(
    metrics: Mapping[str, Any], baseline: Mapping[str, Any]
) -> list[tuple[str, Any, Any, float | None]]:
    """List (metric, value, baseline value, difference) for every numeric metric."""
    rows = []
    for name in NUMERIC_METRICS:
        value: Any = metrics.get(name)
        base: Any = baseline.get(name)
        delta = None
        if _is_number(value) and _is_number(base):
            delta = round(value - base, 4)
        rows.append((name, value, base, delta))
    return rows


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
