"""Large-corpus benchmark: ingest, re-ingest, ask latency, accuracy, size and memory at N chunks.

    .venv/bin/python benchmarks/bench_scale.py --chunks 1000 10000
    .venv/bin/python benchmarks/bench_scale.py --chunks 100000 --json bench-100k.json

The corpus is synthetic but built from the real profile: each document is a set of the
profile's sentences with every figure replaced by a number unique in the whole corpus,
under a title naming a unique marker word ("Dovakelu specialists"), and one marker
sentence ("Dovakelu specialists hold registry code 481,237."). The marker question
("What registry code do dovakelu specialists hold?") has one right answer: that code.

Each size runs in its own process, so peak RSS is that size's own. The raw encode floor
is ``SentenceTransformer.encode`` of the same chunk texts in the same process (above
3,000 chunks, of a random 3,000 of them: the rate is what matters). Throughput is given
by wall time and, since a shared machine's load varies, also by this process's CPU time.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
FLOOR_SAMPLE = 3_000
TARGETS = (
    "targets: ingest >= 0.8x encode; ask p50 at 100k <= 2x at 1k; RSS <= 2 GiB; accuracy >= 0.95"
)


def marker(i: int) -> str:
    """A pronounceable word unique to ``i`` (4 syllables: 70**4 = 24 million words)."""
    n = len(SYLLABLES)
    word = "".join(SYLLABLES[(i // n**k) % n] for k in range(4))
    return word.capitalize()


def profile_sentences() -> list[tuple[str, str]]:
    """(section, sentence) pairs of the real profile that carry no list or table."""
    from careerbot.config import Settings
    from careerbot.core.chunking import sections, split_units
    from careerbot.corpus import load_documents

    docs = load_documents(Settings.resolve(corpus=ROOT / "corpus").corpus_dir)
    out = []
    for doc in docs:
        for name, body in sections(doc):
            for block in body:
                for unit in split_units(block.text):
                    if unit.kind == "sentence" and len(unit.text.split()) >= 8:
                        out.append((name, unit.text))
    return out


def write_corpus(folder: Path, chunks: int, seed: int = 7) -> list[tuple[str, str]]:
    """Write documents until they hold ``chunks`` chunks; return (question, code) pairs."""
    from careerbot.config import Settings
    from careerbot.core.chunking import CorpusFile, chunk_document
    from careerbot.models.embeddings import LocalEmbeddings

    rng = random.Random(seed)
    pool = profile_sentences()
    by_section: dict[str, list[str]] = {}
    for section, sentence in pool:
        by_section.setdefault(section, []).append(sentence)
    names = list(by_section)
    count_tokens = LocalEmbeddings(Settings.resolve().model_dir).count_tokens
    numbers = iter(rng.sample(range(100_000, 10_000_000), 3_000_000))
    order = rng.sample(range(70**4), 300_000)
    folder.mkdir(parents=True)
    total, doc_no, queries = 0, 0, []

    def fresh(sentence: str) -> str:
        return NUMBER.sub(lambda m: f"{next(numbers):,}", sentence)

    while total < chunks:
        word = marker(order[doc_no])
        code = f"{next(numbers):,}"
        title = f"{word} specialists"
        parts = [f"# {title}", "", f"{word} specialists hold registry code {code}."]
        for section in rng.sample(names, k=min(4, len(names))):
            parts += ["", section, ""]
            for _ in range(2):
                sentences = rng.sample(by_section[section], k=min(3, len(by_section[section])))
                parts.append(" ".join(fresh(s) for s in sentences))
        text = "\n".join(parts) + "\n"
        name = f"{doc_no:06d}-{word.lower()}.md"
        total += len(chunk_document(CorpusFile(name, title, text), count_tokens))
        (folder / name).write_text(text)
        queries.append((f"What registry code do {word.lower()} specialists hold?", code))
        doc_no += 1
    return queries


def cpu_seconds() -> float:
    """User + system CPU time of this process, all threads (robust to a busy machine)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_one(size: int, queries_n: int, chroma_url: str | None, work: Path) -> dict[str, float]:
    """Measure one size in this process."""
    from careerbot import CareerBot
    from careerbot.config import Settings
    from careerbot.core.chunking import chunk_document
    from careerbot.corpus import load_documents
    from careerbot.index.store import IndexStore
    from careerbot.models.embeddings import LocalEmbeddings

    corpus, home = work / "corpus", work / "home"
    queries = write_corpus(corpus, size)
    settings = Settings.resolve(corpus=corpus, home=home, chroma_url=chroma_url)
    embeddings = LocalEmbeddings(settings.model_dir)
    docs = load_documents(corpus)
    texts = [c.embed_text for d in docs for c in chunk_document(d, embeddings.count_tokens)]
    embeddings.encode(texts[:256])  # warm up: load weights, first-call overheads
    sample = random.Random(1).sample(texts, FLOOR_SAMPLE) if len(texts) > FLOOR_SAMPLE else texts
    t, c = time.perf_counter(), cpu_seconds()
    embeddings.model.encode(sample, batch_size=embeddings.batch_size, normalize_embeddings=True)
    encode_rate = len(sample) / (time.perf_counter() - t)
    encode_cpu = len(sample) / (cpu_seconds() - c)

    store = IndexStore(settings, embeddings)
    t, c = time.perf_counter(), cpu_seconds()
    report = store.ingest(rebuild=True, progress=False)
    ingest_s = time.perf_counter() - t
    ingest_cpu = len(texts) / (cpu_seconds() - c)
    t = time.perf_counter()
    noop = store.ingest(progress=False)
    noop_s = time.perf_counter() - t
    assert noop.embedded == 0, noop.summary()

    bot = CareerBot(settings)
    t = time.perf_counter()
    bot.ask(queries[0][0])
    open_s = time.perf_counter() - t
    picked = random.Random(2).sample(queries, min(queries_n, len(queries)))
    latencies, right = [], 0
    for question, code in picked:
        t = time.perf_counter()
        answer = bot.ask(question)
        latencies.append((time.perf_counter() - t) * 1000)
        right += code in answer.text
    latencies.sort()
    size_mb = sum(p.stat().st_size for p in home.rglob("*") if p.is_file()) / 2**20
    return {
        "chunks": len(texts),
        "docs": len(queries),
        "encode_per_s": encode_rate,
        "ingest_per_s": len(texts) / ingest_s,
        "ingest_ratio": (len(texts) / ingest_s) / encode_rate,
        "ingest_ratio_cpu": ingest_cpu / encode_cpu,
        "ingest_s": ingest_s,
        "embedded": report.embedded,
        "noop_s": noop_s,
        "open_s": open_s,
        "ask_p50_ms": statistics.median(latencies),
        "ask_p95_ms": latencies[max(0, round(0.95 * len(latencies)) - 1)],
        "accuracy": right / len(picked),
        "queries": len(picked),
        "index_mb": size_mb,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


COLUMNS = [
    ("chunks", "chunks", "{:,.0f}"),
    ("encode_per_s", "encode/s", "{:,.0f}"),
    ("ingest_per_s", "ingest/s", "{:,.0f}"),
    ("ingest_ratio", "ratio", "{:.2f}"),
    ("ingest_ratio_cpu", "ratio (CPU s)", "{:.2f}"),
    ("noop_s", "no-op s", "{:.1f}"),
    ("open_s", "open s", "{:.1f}"),
    ("ask_p50_ms", "p50 ms", "{:.0f}"),
    ("ask_p95_ms", "p95 ms", "{:.0f}"),
    ("accuracy", "accuracy", "{:.3f}"),
    ("index_mb", "index MiB", "{:,.0f}"),
    ("peak_rss_mb", "peak RSS MiB", "{:,.0f}"),
]


def table(rows: list[dict[str, float]]) -> str:
    """A Markdown table, one row per size."""
    head = "| " + " | ".join(title for _, title, _ in COLUMNS) + " |"
    rule = "|" + "|".join("---:" for _ in COLUMNS) + "|"
    body = ["| " + " | ".join(fmt.format(r.get(key, float("nan"))) for key, _, fmt in COLUMNS)
            + " |" for r in rows]
    return "\n".join([head, rule, *body])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, nargs="+", default=[1000], help="sizes (N chunks)")
    parser.add_argument("--queries", type=int, default=200, help="marker questions per size")
    parser.add_argument("--chroma-url", default=None, help="bench a Chroma server instead")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        work = Path(tempfile.mkdtemp(prefix="careerbot-bench-"))
        try:
            print(json.dumps(run_one(args.chunks[0], args.queries, args.chroma_url, work)))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    rows = []
    for size in args.chunks:
        cmd = [sys.executable, __file__, "--one", "--chunks", str(size)]
        cmd += ["--queries", str(args.queries)]
        if args.chroma_url:
            cmd += ["--chroma-url", args.chroma_url]
        print(f"running N={size:,} ...", file=sys.stderr, flush=True)
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(table(rows))
    print(TARGETS)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
