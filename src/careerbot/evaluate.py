"""Evaluation runner: score answers from the public ``ask()`` API against question files.

Loading, normalising, scoring, metrics, bars and the baseline diff are plain functions over
plain data. :func:`run_questions` is the only place the bot is called, and :func:`run_cli`
is the one entry point the ``careerbot eval`` command needs.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from careerbot.errors import ConfigError, EvalFileError
from careerbot.result import Answer

Metrics = dict[str, Any]

METRIC_KEYS = (
    "fact_recall", "citation_support", "section_hit_at_1", "section_hit_at_k", "mrr",
    "refusal_accuracy", "unanswerable_refused", "answerable_refused", "refusal_table",
    "forbidden_violations", "answer_words_median", "latency_ms_p50", "latency_ms_p95", "n",
)
"""The keys of a summary, in order (``--json`` adds ``per_question``)."""

NUMERIC_METRICS = tuple(k for k in METRIC_KEYS if k != "refusal_table")
"""Metrics that can carry a ``--fail-under`` bar and a baseline difference."""

LOWER_IS_BETTER = frozenset(
    {"forbidden_violations", "answerable_refused", "answer_words_median", "latency_ms_p50",
     "latency_ms_p95"}
)
"""Metrics whose ``--fail-under`` value is a maximum rather than a minimum."""

_KEYS = {"id", "question", "history", "expected_facts", "expected_section", "answerable",
         "forbidden"}
_REQUIRED = ("id", "question", "expected_facts")
_MARKER = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u02bc": "'",
                         "\u2032": "'", "\u201c": '"', "\u201d": '"', "\u201f": '"'})
_COUNTS = {"n", "forbidden_violations"}


@runtime_checkable
class Asker(Protocol):
    """Anything with the public ``ask()`` method: a :class:`careerbot.CareerBot` or a fake."""

    def ask(self, question: str, history: list[tuple[str, str]] | None = None) -> Answer:
        """Answer one question, given earlier (user, assistant) turns."""
        ...


@dataclass(frozen=True)
class EvalQuestion:
    """One line of a question file.

    Attributes:
        id: Unique name of the question across all files of a run.
        question: What the user asks.
        expected_facts: Facts the answer must contain; each is a tuple of alternative
            spellings, any one of which counts.
        expected_section: Section heading the answer should cite, if any.
        answerable: True, False, or None when answering and refusing are both acceptable.
        forbidden: Strings that must not appear in the answer.
        history: Earlier (user, assistant) turns of the conversation.
        origin: ``file:line`` the question was read from, for messages.

    """

    id: str
    question: str
    expected_facts: tuple[tuple[str, ...], ...] = ()
    expected_section: str | None = None
    answerable: bool | None = None
    forbidden: tuple[str, ...] = ()
    history: tuple[tuple[str, str], ...] = ()
    origin: str = ""


@dataclass(frozen=True)
class QuestionResult:
    """How the bot did on one question; :meth:`record` is its JSON form."""

    question: EvalQuestion
    got: str
    refused: bool
    cited_sections: tuple[str, ...]
    facts_ok: bool | None
    support_ok: bool | None
    section_rank: int | None
    forbidden_hits: tuple[str, ...]
    latency_ms: float
    error: str | None = None
    missing_facts: tuple[str, ...] = ()
    unsupported_facts: tuple[str, ...] = ()
    verified: bool | None = None

    @property
    def answered(self) -> bool:
        """True when the bot returned an answer that is not a refusal."""
        return self.error is None and not self.refused

    @property
    def refusal_ok(self) -> bool | None:
        """Whether the answer-or-refuse decision was right (None: either was acceptable)."""
        if self.question.answerable is None:
            return None
        return self.error is None and self.refused == (not self.question.answerable)

    def problems(self) -> list[str]:
        """Why this question fails, one phrase per failed check; empty when it passes."""
        out = [f"error: {self.error}"] if self.error else []
        if self.error is None and self.refusal_ok is False:
            out.append("refused" if self.refused else "answered (should refuse)")
        if self.answered and self.facts_ok is False:
            out.append("missing: " + ", ".join(self.missing_facts))
        if self.answered and self.support_ok is False:
            out.append("not in cited passages: " + ", ".join(self.unsupported_facts))
        if self.forbidden_hits:
            out.append("forbidden: " + ", ".join(self.forbidden_hits))
        return out

    def record(self) -> dict[str, Any]:
        """Return the per-question record of ``--json`` and ``per_question.jsonl``."""
        q = self.question
        return {
            "id": q.id, "question": q.question, "answerable": q.answerable,
            "expected_facts": [f[0] if len(f) == 1 else list(f) for f in q.expected_facts],
            "got": self.got, "refused": self.refused, "cited_sections": list(self.cited_sections),
            "facts_ok": self.facts_ok, "support_ok": self.support_ok,
            "section_rank": self.section_rank, "forbidden_hits": list(self.forbidden_hits),
            "latency_ms": self.latency_ms, "error": self.error,
        }


@dataclass(frozen=True)
class Bar:
    """One ``--fail-under NAME=VALUE`` bar: a minimum, or a maximum for lower-is-better metrics."""

    name: str
    value: float

    @property
    def is_maximum(self) -> bool:
        """True when the metric must not exceed the value."""
        return self.name in LOWER_IS_BETTER


# ---------------------------------------------------------------- text


def normalise(text: str) -> str:
    """Text for matching: case-folded, curly quotes made straight, whitespace folded."""
    return " ".join(text.translate(_QUOTES).casefold().split())


def strip_markers(text: str) -> str:
    """Remove the ``[n]`` citation markers from answer text."""
    return _MARKER.sub("", text)


def count_words(text: str) -> int:
    """Words of an answer, not counting ``[n]`` markers."""
    return len(strip_markers(text).split())


def contains_fact(normalised_text: str, alternatives: Sequence[str]) -> bool:
    """Tell whether already-normalised text contains any one of a fact's alternatives."""
    return any(normalise(a) in normalised_text for a in alternatives)


def fact_label(alternatives: Sequence[str]) -> str:
    """Show a fact as in reports: its alternatives joined by " / "."""
    return " / ".join(alternatives)


# ---------------------------------------------------------------- question files


def load_questions(paths: Iterable[Path]) -> list[EvalQuestion]:
    """Read and validate every question file before anything runs.

    Args:
        paths: JSONL question files, read in order.

    Returns:
        All questions, in file order.

    Raises:
        EvalFileError: No file is given, a file is unreadable or empty, or a line is
            malformed; the message names the file and line. Ids must be unique across files.

    """
    questions: list[EvalQuestion] = []
    seen: dict[str, str] = {}
    for path in paths:
        for q in _read_file(Path(path)):
            if q.id in seen:
                raise EvalFileError(
                    f"{q.origin}: id {q.id!r} is already used at {seen[q.id]}; "
                    "give every question a unique id."
                )
            seen[q.id] = q.origin
            questions.append(q)
    if not questions:
        raise EvalFileError("No question files given; pass at least one .jsonl file.")
    return questions


def _read_file(path: Path) -> list[EvalQuestion]:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise EvalFileError(f"{path}: cannot read the question file ({e.strerror or e}).") from e
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise EvalFileError(f"{path}:{line}: not UTF-8 text; save the file as UTF-8.") from e
    questions = [
        _parse_line(line, f"{path}:{number}")
        for number, line in enumerate(text.split("\n"), start=1)
        if line.strip()
    ]
    if not questions:
        raise EvalFileError(f"{path}: holds no questions; add one JSON object per line.")
    return questions


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _parse_line(line: str, where: str) -> EvalQuestion:
    def bad(problem: str) -> EvalFileError:
        return EvalFileError(f"{where}: {problem}; fix this line and run again.")

    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise bad(f"not valid JSON ({e.msg} at column {e.colno})") from e
    if not isinstance(obj, dict):
        raise bad(f"expected a JSON object, got {_json_type(obj)}")
    for key in _REQUIRED:
        if key not in obj:
            raise bad(f"missing required key {key!r}")
    unknown = sorted(set(obj) - _KEYS)
    if unknown:
        allowed = ", ".join(sorted(_KEYS))
        raise bad(f"unknown key(s) {', '.join(map(repr, unknown))}; allowed: {allowed}")
    for key in ("id", "question"):
        if not _is_text(obj[key]):
            raise bad(f"{key!r} must be a non-empty string, got {_json_type(obj[key])}")

    facts = obj["expected_facts"]
    if not isinstance(facts, list):
        raise bad(f"'expected_facts' must be a list, got {_json_type(facts)}")
    parsed: list[tuple[str, ...]] = []
    for i, item in enumerate(facts, start=1):
        if _is_text(item):
            parsed.append((item,))
        elif isinstance(item, list) and item and all(_is_text(a) for a in item):
            parsed.append(tuple(item))
        else:
            raise bad(f"'expected_facts' item {i} must be a non-empty string or a non-empty "
                      f"list of alternative strings, got {json.dumps(item)}")

    section = obj.get("expected_section")
    if section is not None and not _is_text(section):
        raise bad(f"'expected_section' must be a non-empty string, got {_json_type(section)}")
    answerable = obj.get("answerable")
    if answerable is not None and not isinstance(answerable, bool):
        raise bad(f"'answerable' must be true, false or absent, got {json.dumps(answerable)}")
    if answerable is False and parsed:
        raise bad("an unanswerable question ('answerable': false) cannot have expected_facts")
    forbidden = obj.get("forbidden", [])
    if not isinstance(forbidden, list) or not all(_is_text(s) for s in forbidden):
        raise bad(f"'forbidden' must be a list of non-empty strings, got {json.dumps(forbidden)}")
    history = obj.get("history", [])
    pairs_ok = isinstance(history, list) and all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) for s in p) for p in history
    )
    if not pairs_ok:
        raise bad("'history' must be a list of [user, assistant] string pairs")

    return EvalQuestion(
        id=obj["id"], question=obj["question"], expected_facts=tuple(parsed),
        expected_section=section, answerable=answerable, forbidden=tuple(forbidden),
        history=tuple((u, a) for u, a in history), origin=where,
    )


# ---------------------------------------------------------------- scoring


def score(
    question: EvalQuestion, answer: Answer | None, latency_ms: float, error: str | None = None
) -> QuestionResult:
    """Score one answer (or the error raised instead of one).

    Facts are matched in the answer text without markers; support is matched in each cited
    passage and quote. Facts and support are None for unanswerable questions, and for
    either-way questions that were refused; for answerable questions a refusal or an error
    counts as failing both. ``section_rank`` is the 1-based position of the first citation
    from ``expected_section`` (0: none), or None when not scored (no expected section, or
    not answered).

    Args:
        question: The question asked.
        answer: What the bot returned, or None when it raised.
        latency_ms: Time the ``ask()`` call took.
        error: The exception message when ``answer`` is None.

    Returns:
        The per-question result.

    """
    text = answer.text if answer is not None else ""
    refused = answer is not None and answer.refused
    answered = answer is not None and not refused
    citations = answer.citations if answer is not None else []
    body = normalise(strip_markers(text))
    cited = [normalise(t) for c in citations for t in (c.passage, c.quote)]
    facts = question.expected_facts
    missing = tuple(fact_label(f) for f in facts if not contains_fact(body, f))
    unsupported = tuple(
        fact_label(f) for f in facts if not any(contains_fact(t, f) for t in cited)
    )

    facts_ok: bool | None
    support_ok: bool | None
    if question.answerable is False:
        facts_ok = support_ok = None
    elif answered:
        facts_ok, support_ok = not missing, not unsupported
    else:
        facts_ok = support_ok = False if question.answerable else None

    rank: int | None = None
    if question.expected_section and answered:
        want = normalise(question.expected_section)
        sections = [normalise(c.section) for c in citations]
        rank = sections.index(want) + 1 if want in sections else 0

    return QuestionResult(
        question=question, got=text, refused=refused,
        cited_sections=tuple(c.section for c in citations),
        facts_ok=facts_ok, support_ok=support_ok, section_rank=rank,
        forbidden_hits=tuple(s for s in question.forbidden if normalise(s) in body),
        latency_ms=round(latency_ms, 1), error=error,
        missing_facts=missing, unsupported_facts=unsupported,
        verified=answer.verified if answer is not None else None,
    )


def ask_one(bot: Asker, question: EvalQuestion) -> QuestionResult:
    """Ask one question and score it; an exception becomes the result's ``error``."""
    history = list(question.history) or None
    start = time.perf_counter()
    try:
        answer = bot.ask(question.question, history=history)
    except Exception as e:  # any failure is one failed question; the run goes on
        elapsed = (time.perf_counter() - start) * 1000
        return score(question, None, elapsed, error=f"{type(e).__name__}: {e}")
    elapsed = (time.perf_counter() - start) * 1000
    if not isinstance(answer, Answer):
        return score(question, None, elapsed,
                     error=f"ask() returned {type(answer).__name__}, not an Answer")
    return score(question, answer, elapsed)


def run_questions(
    bot: Asker, questions: Sequence[EvalQuestion], *, show_progress: bool = True
) -> list[QuestionResult]:
    """Ask every question in order, with a progress bar on stderr.

    Args:
        bot: Anything with the public ``ask(question, history)`` method.
        questions: The questions, already validated.
        show_progress: Draw the progress bar.

    Returns:
        One result per question, in order.

    """
    results: list[QuestionResult] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True,
                  disable=not show_progress) as progress:
        task = progress.add_task("eval", total=len(questions))
        for q in questions:
            progress.update(task, description=f"eval {q.id}")
            results.append(ask_one(bot, q))
            progress.advance(task)
    return results


# ---------------------------------------------------------------- metrics


def _share(flags: Iterable[bool | None]) -> float | None:
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


def compute_metrics(results: Sequence[QuestionResult]) -> Metrics:
    """Compute the summary metrics of a run, keyed as :data:`METRIC_KEYS`.

    Fact recall and citation support are over questions with ``answerable: true``; the
    section metrics over answered questions that have an ``expected_section``; refusal
    accuracy over questions with ``answerable`` set (an error is a wrong decision and sits
    in neither refusal-table cell); answer length over answered questions; latency over all.
    A share with nothing to compute it over is None.

    Args:
        results: Per-question results.

    Returns:
        The metrics, JSON-ready.

    """
    answerable = [r for r in results if r.question.answerable is True]
    unanswerable = [r for r in results if r.question.answerable is False]
    ranks = [r.section_rank for r in results if r.section_rank is not None]
    words = [count_words(r.got) for r in results if r.answered]

    def cells(group: list[QuestionResult]) -> dict[str, int]:
        return {"answered": sum(r.answered for r in group),
                "refused": sum(r.error is None and r.refused for r in group)}

    latencies = [r.latency_ms for r in results]
    return {
        "fact_recall": _share(r.facts_ok for r in answerable),
        "citation_support": _share(r.support_ok for r in answerable),
        "section_hit_at_1": _share(rank == 1 for rank in ranks),
        "section_hit_at_k": _share(rank >= 1 for rank in ranks),
        "mrr": round(statistics.fmean(1 / r if r else 0.0 for r in ranks), 4) if ranks else None,
        "refusal_accuracy": _share(r.refusal_ok for r in answerable + unanswerable),
        "unanswerable_refused": _share(r.refused for r in unanswerable),
        "answerable_refused": _share(r.refused for r in answerable),
        "refusal_table": {"answerable": cells(answerable), "unanswerable": cells(unanswerable)},
        "forbidden_violations": sum(bool(r.forbidden_hits) for r in results),
        "answer_words_median": statistics.median(words) if words else None,
        "latency_ms_p50": _percentile(latencies, 0.50),
        "latency_ms_p95": _percentile(latencies, 0.95),
        "n": len(results),
    }


# ---------------------------------------------------------------- bars and baseline


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


# ---------------------------------------------------------------- entry point


def run_cli(
    files: Sequence[Path],
    bot: Asker | Callable[[], Asker],
    json_out: bool = False,
    out_dir: Path | None = None,
    fail_under: Sequence[str] = (),
    baseline: Path | None = None,
    *,
    console: Console | None = None,
    show_progress: bool = True,
) -> int:
    """Run ``careerbot eval``: validate everything, ask every question, report.

    Args:
        files: Question files (JSONL).
        bot: An object with ``ask(question, history)``, or a zero-argument callable that
            builds one; a callable is called only after the files, bars and baseline are
            valid, so a bad file fails before any model loads.
        json_out: Print one JSON object (metrics and ``per_question``) instead of tables.
        out_dir: Also write summary.json, per_question.jsonl, report.md, by_section.png.
        fail_under: ``NAME=VALUE`` bars (a maximum for :data:`LOWER_IS_BETTER` metrics).
        baseline: A summary.json to show each metric beside.
        console: Where to print (default: stdout).
        show_progress: Draw the progress bar on stderr.

    Returns:
        The exit code: 1 when a bar fails, else 0.

    Raises:
        EvalFileError: A question file or the baseline is malformed.
        ConfigError: A ``--fail-under`` value is malformed.

    """
    from careerbot.eval_report import render_report, write_artifacts

    console = console or Console()
    bars = parse_fail_under(fail_under)
    base = load_baseline(baseline) if baseline is not None else None
    questions = load_questions(files)
    asker = bot() if isinstance(bot, type) or not isinstance(bot, Asker) else bot
    if not isinstance(asker, Asker):
        raise TypeError(f"{type(asker).__name__} has no ask(question, history) method")
    results = run_questions(asker, questions, show_progress=show_progress)
    metrics = compute_metrics(results)
    failures = check_bars(bars, metrics)
    if out_dir is not None:
        write_artifacts(out_dir, metrics, results, base, failures, files)
    if json_out:
        payload = {**metrics, "per_question": [r.record() for r in results]}
        console.file.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        report_to = Console(stderr=True)
    else:
        render_report(console, metrics, results, base)
        if out_dir is not None:
            console.print(Text(f"Wrote {out_dir}/summary.json, per_question.jsonl, "
                               "report.md, by_section.png"))
        report_to = console
    for failure in failures:
        report_to.print(Text.assemble(("FAIL ", "bold red"), f"--fail-under: {failure}"))
    return 1 if failures else 0
