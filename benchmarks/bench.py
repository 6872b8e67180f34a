"""Core benchmark: query-encode floor, warm ask, cold CLI ask, full and no-op ingest.

Run: `make bench` (or `.venv/bin/python benchmarks/bench.py`). Prints one table of medians
and ratios against the reference measured in the same run; targets from the issue:
warm ask p50 <= 1.5x one query encode, no-op re-ingest <= 5% of a full ingest,
cold `careerbot ask` <= 6 s.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from careerbot import CareerBot
from careerbot.config import Settings
from careerbot.index.store import IndexStore
from careerbot.models.embeddings import LocalEmbeddings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="careerbot-bench-"))
    settings = Settings(corpus=CORPUS, home=home)
    embeddings = LocalEmbeddings(settings.model_dir)
    query = "How much do managers in hospitals earn?"
    embeddings.model.encode([query])  # load and warm the model
    floor = statistics.median(timed(lambda: embeddings.model.encode([query]), 60))

    store = IndexStore(settings, embeddings)
    full = timed(lambda: store.ingest(rebuild=True, progress=False), 3)
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

    env = {**os.environ, "CAREERBOT_HOME": str(home), "CAREERBOT_CORPUS": str(CORPUS)}
    cli = [str(Path(sys.executable).with_name("careerbot")), "ask", "What is the median pay?"]
    cold = timed(lambda: subprocess.run(cli, env=env, check=True, capture_output=True), 3)

    ms = 1000.0
    table = Table(title="careerbot core benchmark (medians; ratios against this run's reference)")
    for col in ("measure", "value", "reference", "ratio", "target", "ok"):
        table.add_column(col)
    rows = [
        ("query encode (floor)", f"{floor * ms:.1f} ms", "", "", "", ""),
        ("warm ask p50", f"{statistics.median(warm) * ms:.1f} ms", "query encode",
         statistics.median(warm) / floor, 1.5),
        ("warm ask p95", f"{pct(warm, 0.95) * ms:.1f} ms", "query encode", pct(warm, 0.95) / floor, None),
        ("full ingest", f"{statistics.median(full):.2f} s", "", "", "", ""),
        ("no-op re-ingest", f"{statistics.median(noop) * ms:.1f} ms", "full ingest",
         statistics.median(noop) / statistics.median(full), 0.05),
        ("cold `careerbot ask` process", f"{statistics.median(cold):.2f} s", "", "", "<= 6 s",
         "yes" if statistics.median(cold) <= 6 else "NO"),
    ]
    for name, value, ref, ratio, target, *ok in rows:
        if isinstance(ratio, float):
            verdict = "" if target is None else ("yes" if ratio <= target else "NO")
            table.add_row(name, value, ref, f"{ratio:.2f}x", "" if target is None else f"<= {target}x",
                          verdict)
        else:
            table.add_row(name, value, ref, ratio, str(target), ok[0] if ok else "")
    Console().print(table)
    print(f"questions: {len(questions)}, chunks: {len(bot._live().index.ids)}, cpu: {os.cpu_count()}")


if __name__ == "__main__":
    main()
