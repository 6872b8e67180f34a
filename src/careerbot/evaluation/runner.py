"""Evaluation runner: ask every question through the public ``ask()`` API and report.

:func:`run_questions` is the only place the bot is called, and :func:`run_cli` is the one
entry point the ``careerbot eval`` command needs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from careerbot.evaluation.metrics import check_bars, compute_metrics, load_baseline, parse_fail_under
from careerbot.evaluation.questions import EvalQuestion, load_questions
from careerbot.evaluation.report import render_report, write_artifacts
from careerbot.evaluation.scoring import QuestionResult, score
from careerbot.result import Answer


@runtime_checkable
class Asker(Protocol):
    """Anything with the public ``ask()`` method: a :class:`careerbot.CareerBot` or a fake."""

    def ask(self, question: str, history: list[tuple[str, str]] | None = None) -> Answer:
        """Answer one question, given earlier (user, assistant) turns."""
        ...


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
