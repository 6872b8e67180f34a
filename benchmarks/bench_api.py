"""Benchmark `careerbot serve`: the OpenAI-compatible API beside the Gradio page, one run.

    .venv/bin/python benchmarks/bench_api.py [--questions 20] [--clients 20] [--per-client 5]

1. Starts `careerbot serve` on a free loopback port (index copied to a temp home); the same
   process serves /v1 and the chat page.
2. Sequential, interleaved per question: in-process `CareerBot.ask`, the API without
   streaming and streamed (time to first token, to the full answer) with the `openai` SDK;
   then the chat page with gradio_client (first text, full answer).
3. Burst: 20 concurrent clients x 5 questions, through the API, then through the page;
   every request must be answered or refused as busy (429 / queue full); none lost.
Target: the API adds <= 10 ms p50 over `CareerBot.ask` (non-streamed full answer).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_web import (  # noqa: E402
    CORPUS,
    burst,
    free_port,
    pct,
    questions,
    run_burst,
    start_server,
    temp_home,
    timed_ask,
)

MS = 1000.0


def api_full(client: Any, question: str) -> float:
    start = time.perf_counter()
    resp = client.chat.completions.create(model="careerbot",
                                          messages=[{"role": "user", "content": question}])
    if not (resp.model_extra or {}).get("careerbot"):
        raise SystemExit(f"not answered: {question!r}")
    return time.perf_counter() - start


def api_stream(client: Any, question: str) -> tuple[float, float]:
    """(seconds to the first content token, seconds to the last chunk)."""
    start = time.perf_counter()
    first = float("nan")
    for chunk in client.chat.completions.create(
            model="careerbot", messages=[{"role": "user", "content": question}], stream=True):
        if first != first and chunk.choices and chunk.choices[0].delta.content:
            first = time.perf_counter() - start
    return first, time.perf_counter() - start


def api_burst(base: str, qs: list[str], clients: int, per_client: int) -> dict[str, Any]:
    """A burst through the API (openai SDK, no retries)."""
    import openai

    def ask_one(client: Any, q: str) -> tuple[str, float]:
        try:
            return "answered", api_full(client, q)
        except openai.RateLimitError:
            return "busy", float("nan")
        except openai.APIStatusError:
            return "error", float("nan")
        except Exception:  # a dropped connection or timeout: lost
            return "lost", float("nan")

    def connect() -> Any:
        return openai.OpenAI(base_url=base, api_key="unused", max_retries=0, timeout=300)

    return run_burst(connect, ask_one, qs, clients, per_client)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--per-client", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import openai
    from gradio_client import Client

    from careerbot import CareerBot, Settings

    qs = questions(args.questions)
    home = temp_home("careerbot-bench-api-")
    # Ingest in its own process: an ingest loads the batch model and turns torch's oneDNN
    # off, which would make this process's questions slower than the server's.
    env = {**os.environ, "CAREERBOT_HOME": str(home), "CAREERBOT_CORPUS": str(CORPUS)}
    subprocess.run([str(Path(sys.executable).with_name("careerbot")), "ingest"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    bot = CareerBot(Settings(corpus=CORPUS, home=home))

    port = free_port()
    t0 = time.perf_counter()
    proc = start_server(home, port, "serve")
    startup = time.perf_counter() - t0
    base = f"http://127.0.0.1:{port}"
    rows: dict[str, list[float]] = {k: [] for k in (
        "inproc", "api_full", "api_first", "api_stream", "page_first", "page_full")}
    try:
        client = openai.OpenAI(base_url=base + "/v1", api_key="unused", max_retries=0)
        for q in qs:  # warm-up pass, both sides
            bot.ask(q)
            api_full(client, q)
        # Interleaved per question, so the machine's noise hits every column alike; before
        # any gradio_client exists, whose background threads would slow this process's ask.
        for q in qs:
            t = time.perf_counter()
            bot.ask(q)
            rows["inproc"].append(time.perf_counter() - t)
            rows["api_full"].append(api_full(client, q))
            first, full = api_stream(client, q)
            rows["api_first"].append(first)
            rows["api_stream"].append(full)
        page = Client(base + "/", verbose=False)
        timed_ask(page, qs[0])  # warm-up
        for q in qs:
            page.reset_session()
            first, full, _html = timed_ask(page, q)
            rows["page_first"].append(first)
            rows["page_full"].append(full)
        api_b = api_burst(base + "/v1", qs, args.clients, args.per_client)
        page_b = burst(base + "/", qs, args.clients, args.per_client)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except Exception:
            proc.kill()
        shutil.rmtree(home.parent, ignore_errors=True)

    n, total = len(qs), args.clients * args.per_client
    print(f"careerbot serve over HTTP, {os.cpu_count()} CPUs, {n} questions; server start "
          f"{startup:.1f} s\n")
    print(f"| {'measure':<48} | {'p50 ms':>8} | {'p95 ms':>8} |")
    print(f"|{'-' * 50}|{'-' * 10}|{'-' * 10}|")
    table = [
        (f"in-process CareerBot.ask ({n} q)", rows["inproc"]),
        ("API (openai SDK), not streamed: full answer", rows["api_full"]),
        ("API (openai SDK), streamed: first token", rows["api_first"]),
        ("API (openai SDK), streamed: full answer", rows["api_stream"]),
        ("page (gradio_client): first text", rows["page_first"]),
        ("page (gradio_client): full answer", rows["page_full"]),
        (f"API burst {args.clients} clients x {args.per_client}: full answer", api_b["lat"]),
        (f"page burst {args.clients} clients x {args.per_client}: full answer", page_b["lat"]),
    ]
    for name, vals in table:
        print(f"| {name:<48} | {statistics.median(vals) * MS:8.1f} | {pct(vals, 95) * MS:8.1f} |")
    added = [a - b for a, b in zip(rows["api_full"], rows["inproc"], strict=True)]
    print()
    print(f"| {'ratio / count':<48} | {'value':>10} |")
    print(f"|{'-' * 50}|{'-' * 12}|")
    extra = [
        ("API added over ask, p50 of per-question pairs (ms)", f"{statistics.median(added) * MS:.1f}"),
        ("API full / in-process ask (p50)",
         f"{statistics.median(rows['api_full']) / statistics.median(rows['inproc']):.2f}x"),
        ("page full / API full (p50)",
         f"{statistics.median(rows['page_full']) / statistics.median(rows['api_full']):.2f}x"),
        (f"API burst answered/busy/error/lost (of {total})",
         f"{api_b['answered']}/{api_b['busy']}/{api_b['error']}/{api_b['lost']}"),
        (f"page burst answered/busy/error/lost (of {total})",
         f"{page_b['answered']}/{page_b['busy']}/{page_b['error']}/{page_b['lost']}"),
        ("API burst throughput (answers/s)", f"{api_b['answered'] / api_b['wall']:.1f}"),
        ("page burst throughput (answers/s)", f"{page_b['answered'] / page_b['wall']:.1f}"),
        ("target: API adds <= 10 ms p50 over ask",
         "met" if statistics.median(added) <= 0.010 else "MISSED"),
    ]
    for name, value in extra:
        print(f"| {name:<48} | {value:>10} |")


if __name__ == "__main__":
    main()
