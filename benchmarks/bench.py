"""Core benchmark: warm ask and ingest against torch's sentence-transformers, cold CLI ask.

Run: `make bench` (or `.venv/bin/python benchmarks/bench.py`). Prints one table of medians
and ratios against references measured in the same run:

- warm `ask` p50 over the eval questions <= 0.6x one torch `SentenceTransformer.encode`
  of a question (same process);
- ingest throughput (chunks/s of a full ingest) >= 1.5x `SentenceTransformer.encode` of
  the same chunk texts, run in turn;
- no-op re-ingest <= 5% of a full ingest;
- cold `careerbot ask` process with the index present <= 0.5x the code before issue 13:
  give its source folder with `--before` (e.g. a `git worktree add /tmp/old <commit>`'s
  `src`); both run in turn, A B A B, `--pairs` times. Without it, only the time is shown.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from careerbot import CareerBot
from careerbot.config import Settings
from careerbot.core.chunking import chunk_document
from careerbot.corpus import load_documents
from careerbot.index.store import IndexStore
from careerbot.models.embeddings import LocalEmbeddings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
QUESTION = "What is the median pay?"


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def cold_asks(home: Path, before: Path | None, pairs: int) -> tuple[list[float], list[float]]:
    """Cold `careerbot ask` processes, this code (A) and, when given, the code before (B), in turn."""
    def run(src: Path, where: Path) -> float:
        env = {**os.environ, "PYTHONPATH": str(src), "CAREERBOT_HOME": str(where),
               "CAREERBOT_CORPUS": str(CORPUS)}
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "careerbot.app.cli", "ask", QUESTION], env=env, check=True,
                       capture_output=True)
        return time.perf_counter() - start

    mine = REPO / "src"
    old_home = Path(tempfile.mkdtemp(prefix="careerbot-bench-before-"))
    if before:
        run(before, old_home)  # builds the old format's index once
    a, b = [], []
    for _ in range(pairs):
        a.append(run(mine, home))
        if before:
            b.append(run(before, old_home))
    return a, b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, default=None, help="src folder of the code to compare with")
    parser.add_argument("--pairs", type=int, default=5, help="cold asks of each, in turn")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="careerbot-bench-"))
    settings = Settings(corpus=CORPUS, home=home)
    embeddings = LocalEmbeddings(settings.model_dir, home / "models")
    query = "How much do managers in hospitals earn?"
    embeddings.model.encode([query])  # load and warm torch's model
    floor = statistics.median(timed(lambda: embeddings.model.encode([query]), 60))

    store = IndexStore(settings, embeddings)
    store.ingest(rebuild=True, progress=False)  # exports the model to ONNX once
    texts = [c.embed_text for d in load_documents(CORPUS) for c in chunk_document(d, embeddings.count_tokens)]
    full: list[float] = []
    torch_encode: list[float] = []
    for _ in range(3):
        full += timed(lambda: store.ingest(rebuild=True, progress=False), 1)
        torch_encode += timed(lambda: embeddings.model.encode(texts, batch_size=embeddings.batch_size,
                                                              normalize_embeddings=True), 1)
    noop = timed(lambda: store.ingest(progress=False), 5)

    bot = CareerBot(settings)
    bot.embeddings = embeddings
    bot.store = store
    questions = [json.loads(line) for line in (REPO / "evals" / "questions.jsonl").open()]
    for q in questions[:10]:
        bot.ask(q["question"], q.get("history"))
    warm = []
    for q in questions:
        start = time.perf_counter()
        bot.ask(q["question"], q.get("history"))
        warm.append(time.perf_counter() - start)

    cold, cold_before = cold_asks(home, args.before, args.pairs)

    ms = 1000.0
    m = statistics.median
    ingest_rate, encode_rate = len(texts) / m(full), len(texts) / m(torch_encode)
    table = Table(title="careerbot core benchmark (medians; ratios against this run's reference)")
    for col in ("measure", "value", "reference", "ratio", "target", "ok"):
        table.add_column(col)

    def row(name: str, value: str, ref: str = "", ratio: float | None = None, target: float | None = None,
            higher: bool = False) -> None:
        ok = "" if ratio is None or target is None else (
            "yes" if (ratio >= target if higher else ratio <= target) else "NO")
        bound = "" if target is None else f"{'>=' if higher else '<='} {target}x"
        table.add_row(name, value, ref, "" if ratio is None else f"{ratio:.2f}x", bound, ok)

    row("one question, torch SentenceTransformer.encode", f"{floor * ms:.1f} ms")
    row("warm ask p50", f"{m(warm) * ms:.1f} ms", "torch encode", m(warm) / floor, 0.6)
    row("warm ask p95", f"{pct(warm, 0.95) * ms:.1f} ms", "torch encode", pct(warm, 0.95) / floor)
    row("full ingest throughput", f"{ingest_rate:.0f} chunks/s", f"torch encode {encode_rate:.0f}/s",
        ingest_rate / encode_rate, 1.5, higher=True)
    row("no-op re-ingest", f"{m(noop) * ms:.1f} ms", "full ingest", m(noop) / m(full), 0.05)
    if cold_before:
        ratios = [a / b for a, b in zip(cold, cold_before, strict=True)]
        row("cold `careerbot ask` process", f"{m(cold):.2f} s", f"before: {m(cold_before):.2f} s",
            m(ratios), 0.5)
    else:
        row("cold `careerbot ask` process", f"{m(cold):.2f} s", "(--before SRC to compare)")
    Console().print(table)
    print(f"questions: {len(questions)}, chunks: {len(texts)}, cpu: {os.cpu_count()}, "
          f"cold pairs: {len(cold_before)}")


if __name__ == "__main__":
    main()
