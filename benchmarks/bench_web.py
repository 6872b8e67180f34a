"""Benchmark the chat page over HTTP with gradio_client: one command, one table.

    .venv/bin/python benchmarks/bench_web.py [--questions 20] [--clients 20] [--per-client 5]

1. Starts `careerbot chat` on a free loopback port (index copied to a temp home).
2. Sequential: the first 20 questions of evals/questions.jsonl, each in a fresh session;
   time to the first streamed answer text and to the full answer (with sources).
3. Burst: 20 concurrent clients x 5 questions; every request must be answered or told
   the queue is full ("busy"); none may be lost.
4. Peak resident memory of the server process (VmHWM), and in-process `CareerBot.ask`
   for the HTTP overhead ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def questions(n: int) -> list[str]:
    text = (ROOT / "evals" / "questions.jsonl").read_text()
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [r["question"] for r in rows][:n]


def start_server(home: Path, port: int, command: str = "chat") -> subprocess.Popen[str]:
    env = {**os.environ, "CAREERBOT_HOME": str(home), "CAREERBOT_CORPUS": str(CORPUS),
           "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False",
           "HF_HUB_OFFLINE": "1"}
    exe = Path(sys.executable).with_name("careerbot")
    proc = subprocess.Popen([str(exe), command, "--port", str(port)], env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"careerbot {command} exited during start-up")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"careerbot {command} did not start in 300 s")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed_ask(client: Any, question: str) -> tuple[float, float, str]:
    """(seconds to first answer text, seconds to the full answer, final assistant HTML)."""
    start = time.perf_counter()
    first = float("nan")
    job = client.submit(question, api_name="/chat")
    for out in job:
        if first != first and 'class="cb-a"' in str(out[0][-1]["content"]):
            first = time.perf_counter() - start
    result = job.result()
    full = time.perf_counter() - start
    return first, full, str(result[0][-1]["content"])


def run_burst(connect: Callable[[], Any], ask_one: Callable[[Any, str], tuple[str, float]],
              qs: list[str], clients: int, per_client: int) -> dict[str, Any]:
    """``clients`` threads, each with its own ``connect()``, asking ``per_client`` questions;
    ``ask_one`` returns (answered | busy | error | lost, seconds). Latencies of answered ones,
    the wall time and a count per outcome."""
    lat: list[float] = []
    counts = {"answered": 0, "busy": 0, "error": 0, "lost": 0}
    lock = threading.Lock()

    def worker(i: int) -> None:
        client = connect()
        for j in range(per_client):
            outcome, full = ask_one(client, qs[(i * per_client + j) % len(qs)])
            with lock:
                counts[outcome] += 1
                if outcome == "answered":
                    lat.append(full)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"lat": lat, "wall": time.perf_counter() - start, **counts}


def burst(url: str, qs: list[str], clients: int, per_client: int) -> dict[str, Any]:
    """A burst through the chat page (gradio_client)."""
    from gradio_client import Client

    def ask_one(client: Any, q: str) -> tuple[str, float]:
        try:
            _first, full, html = timed_ask(client, q)
            return ("answered" if 'class="cb-a"' in html else "error"), full
        except Exception as e:  # the queue refusing a job is the only acceptable error
            msg = str(e).lower()
            return ("busy" if "queue" in msg and "full" in msg else "lost"), float("nan")

    return run_burst(lambda: Client(url, verbose=False), ask_one, qs, clients, per_client)


def temp_home(prefix: str) -> Path:
    """A temporary home holding a copy of the local index (not its feedback), if there is one."""
    home = Path(tempfile.mkdtemp(prefix=prefix)) / "home"
    local = ROOT / ".careerbot"
    if (local / "index").is_dir():
        shutil.copytree(local, home, ignore=shutil.ignore_patterns("feedback.db*"))
    return home


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--per-client", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from gradio_client import Client

    from careerbot import CareerBot, Settings

    qs = questions(args.questions)
    home = temp_home("careerbot-bench-web-")
    bot = CareerBot(Settings(corpus=CORPUS, home=home))
    bot.ingest(progress=False)  # no-op when the copied index is current
    for q in qs:  # warm-up pass
        bot.ask(q)
    inproc = []
    for q in qs:
        t = time.perf_counter()
        bot.ask(q)
        inproc.append(time.perf_counter() - t)
    del bot

    port = free_port()
    t0 = time.perf_counter()
    proc = start_server(home, port)
    startup = time.perf_counter() - t0
    url = f"http://127.0.0.1:{port}/"
    try:
        client = Client(url, verbose=False)
        timed_ask(client, qs[0])  # warm-up
        first, full = [], []
        for q in qs:
            client.reset_session()
            f, a, html = timed_ask(client, q)
            if 'class="cb-a"' not in html:
                raise SystemExit(f"not answered: {q!r} -> {html[:300]}")
            first.append(f)
            full.append(a)
        b = burst(url, qs, args.clients, args.per_client)
        rss = peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(home.parent, ignore_errors=True)

    ms = 1000.0
    total = args.clients * args.per_client
    print(f"careerbot chat over HTTP (gradio_client), {os.cpu_count()} CPUs, "
          f"{len(qs)} questions; server start {startup:.1f} s\n")
    print(f"| {'measure':<44} | {'p50 ms':>8} | {'p95 ms':>8} | {'max ms':>8} |")
    print(f"|{'-' * 46}|{'-' * 10}|{'-' * 10}|{'-' * 10}|")
    rows = [
        (f"in-process CareerBot.ask ({len(qs)} q)", inproc),
        (f"HTTP: time to first streamed text ({len(qs)} q)", first),
        (f"HTTP: time to full answer ({len(qs)} q)", full),
        (f"burst {args.clients} clients x {args.per_client}: full answer", b["lat"]),
    ]
    for name, vals in rows:
        print(f"| {name:<44} | {statistics.median(vals) * ms:8.0f} | {pct(vals, 95) * ms:8.0f} "
              f"| {max(vals) * ms:8.0f} |")
    print()
    print(f"| {'ratio / count':<44} | {'value':>8} |")
    print(f"|{'-' * 46}|{'-' * 10}|")
    extra = [
        ("full / first text (p50)", f"{statistics.median(full) / statistics.median(first):.2f}x"),
        ("HTTP full / in-process ask (p50)",
         f"{statistics.median(full) / statistics.median(inproc):.1f}x"),
        ("burst p95 / sequential p95 (full)", f"{pct(b['lat'], 95) / pct(full, 95):.1f}x"),
        (f"burst: answered/busy/error/lost (of {total})",
         f"{b['answered']}/{b['busy']}/{b['error']}/{b['lost']}"),
        ("burst throughput (answers/s)", f"{b['answered'] / b['wall']:.1f}"),
        ("server peak RSS (MB)", f"{rss:.0f}"),
        ("target: first text p50 <= 300 ms",
         "met" if statistics.median(first) <= 0.3 else "MISSED"),
    ]
    for name, value in extra:
        print(f"| {name:<44} | {value:>8} |")


if __name__ == "__main__":
    main()
