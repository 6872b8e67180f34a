"""Ingest of one large corpus file: peak memory against the file's size, and how fast it goes.

    .venv/bin/python benchmarks/bench_stream.py --mb 1 4
    .venv/bin/python benchmarks/bench_stream.py --mb 50 --seconds 600

The file is OOH-style: the real profile repeated, each copy under a ``# Heading`` naming a
marker word unique to it ("Dovakelu managers"), every figure replaced by a number unique
in the file, and one marker sentence ("Dovakelu managers hold registry code 4,812,370.").
``careerbot ingest`` runs in its own process, in a home that already holds the real
profile's index and the model's ONNX export (made once per home, with torch: not what is
measured); its RSS is sampled every second, with the
chunks its unfinished version holds every ``--every`` seconds, and its peak (VmHWM) is read
just before it ends. With ``--seconds`` the ingest is killed (SIGKILL) when the time is up
and the row says how far it came; a complete run then asks the last copy's marker question.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_scale import NUMBER, marker

ROOT = Path(__file__).resolve().parents[1]
CAREERBOT = Path(sys.executable).with_name("careerbot")


def write_file(path: Path, mb: float, seed: int = 11) -> tuple[str, str]:
    """Write about ``mb`` MB of repeated profile; return the last copy's (question, code)."""
    rng = random.Random(seed)
    profile = (ROOT / "corpus" / "medical-and-health-services-managers.txt").read_text()
    numbers = iter(rng.sample(range(1_000_000, 99_999_999), 10_000_000))
    words = iter(rng.sample(range(70**4), 1_000_000))
    size, question, code = 0, "", ""
    with open(path, "w") as f:
        while size < mb * 1_000_000:
            word = marker(next(words))
            code = f"{next(numbers):,}"
            text = NUMBER.sub(lambda m: f"{next(numbers):,}", profile)
            text = re.sub("(?i)medical and health services managers", f"{word} managers", text)
            copy = f"# {word} managers\n\n{word} managers hold registry code {code}.\n\n{text}\n\n"
            size += f.write(copy)
            question = f"What registry code do {word.lower()} managers hold?"
    return question, code


def stored(home: Path) -> int:
    """Chunks with vectors in the version being built (0 before it is opened)."""
    (folder, *_) = [*(home / "index").glob("v[0-9]*.partial"), None]
    if folder is None or not (folder / "chroma.sqlite3").exists():
        return 0
    try:
        with sqlite3.connect(f"file:{folder / 'chroma.sqlite3'}?mode=ro", uri=True, timeout=1) as db:
            return int(db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])
    except sqlite3.Error:
        return 0


def status_kib(pid: int, field: str) -> int:
    """A VmRSS/VmHWM figure of a running process, in KiB (0 once it is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(rf"{field}:\s+(\d+)", text)
    return int(found.group(1)) if found else 0


def warm_home() -> Path:
    """A new home holding the real profile's index (and the model's ONNX export, made once)."""
    home = Path(tempfile.mkdtemp(prefix="stream-home-")) / "home"
    env = {**os.environ, "CAREERBOT_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    subprocess.run([str(CAREERBOT), "ingest", "--corpus", str(ROOT / "corpus")], env=env, check=True,
                   capture_output=True, timeout=600)
    return home


def run(mb: float, home: Path, seconds: float | None, every: float) -> dict[str, Any]:
    """Ingest one generated file into ``home`` (its corpus folder is made beside it)."""
    corpus = Path(tempfile.mkdtemp(prefix="stream-corpus-", dir=home.parent))
    question, code = write_file(corpus / "big.txt", mb)
    env = {**os.environ, "CAREERBOT_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    cmd = [str(CAREERBOT), "ingest", "--corpus", str(corpus)]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = hwm = 0
    samples: list[tuple[float, int, int]] = []
    killed = False
    while proc.poll() is None:
        elapsed = time.monotonic() - start
        hwm = status_kib(proc.pid, "VmHWM") or hwm
        peak = max(peak, status_kib(proc.pid, "VmRSS"))
        if not samples or elapsed - samples[-1][0] >= every:
            samples.append((round(elapsed, 1), peak // 1024, stored(home)))
        if seconds is not None and elapsed > seconds:
            hwm = status_kib(proc.pid, "VmHWM") or hwm
            samples.append((round(elapsed, 1), peak // 1024, stored(home)))
            proc.send_signal(signal.SIGKILL)
            killed = True
        time.sleep(1)
    out, err = proc.communicate()
    took = time.monotonic() - start
    done = re.search(r"(\d+) added", out)
    row: dict[str, Any] = {
        "mb": mb, "bytes": (corpus / "big.txt").stat().st_size, "seconds": round(took, 1),
        "complete": proc.returncode == 0, "killed": killed,
        "chunks": int(done.group(1)) if done else samples[-1][2] if samples else 0,
        "peak_rss_mib": max(hwm, peak) // 1024, "samples": samples, "error": err.strip()[-500:],
        "question": question, "code": code, "answered": None,
    }
    if row["complete"]:
        ask = subprocess.run([str(CAREERBOT), "ask", "--corpus", str(corpus), "--json", question],
                             env=env, capture_output=True, text=True, timeout=300)
        row["answered"] = ask.returncode == 0 and code in json.loads(ask.stdout or "{}").get("text", "")
    return row


def main() -> None:
    """Run each size in a fresh home (or ``--home``) and print one table."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, nargs="+", default=[1.0])
    parser.add_argument("--seconds", type=float, help="kill the ingest after this long")
    parser.add_argument("--every", type=float, default=30, help="seconds between samples")
    parser.add_argument("--home", type=Path, help="ingest into this home (default: a new one per size)")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    rows = []
    for mb in args.mb:
        home = args.home or warm_home()
        rows.append(run(mb, home, args.seconds, args.every))
    print("| file | chunks | complete | seconds | chunks/s | peak RSS | answered |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        rate = r["chunks"] / r["seconds"] if r["seconds"] else 0
        print(f"| {r['bytes'] / 1e6:.1f} MB | {r['chunks']:,} | {'yes' if r['complete'] else 'no (killed)'} "
              f"| {r['seconds']:.0f} | {rate:.0f} | {r['peak_rss_mib']:,} MiB | {r['answered']} |")
    print("samples (seconds, peak RSS MiB so far, chunks stored):")
    for r in rows:
        print(f"  {r['bytes'] / 1e6:.1f} MB: {r['samples']}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
