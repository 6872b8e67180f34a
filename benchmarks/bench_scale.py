"""Large-corpus benchmark: ingest, re-ingest, ask latency, accuracy, size and memory at N chunks.

    .venv/bin/python benchmarks/bench_scale.py --chunks 1000 10000
    .venv/bin/python benchmarks/bench_scale.py --chunks 100000 --json bench-100k.json

The corpus is synthetic but built from the real profile: each document is a set of the
profile's sentences with every figure replaced by a number unique in the whole corpus,
under a title naming a unique marker word ("Dovakelu specialists"), and one marker
sentence ("Dovakelu specialists hold registry code 481,237."). The marker question
("What registry code do dovakelu specialists hold?") has one right answer: that code.

Each size runs in its own process, and its chat (open, then ``--queries`` marker questions,
asked again in turn when there are fewer documents) in one more, whose peak RSS is the chat
process's own. The encode floor is torch's ``SentenceTransformer.encode`` of the same chunk
texts in the same process (above 3,000 chunks, of a random 3,000 of them: the rate is what
matters). Throughput is given by wall time and, since a shared machine's load varies, also
by this process's CPU time. Opening is timed A B A B against the format before issue 13
(every record's metadata read back from Chroma, BM25 rebuilt) on the same version.
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
FLOOR_SAMPLE = 3_000
TARGETS = (
    "targets: ingest >= 1.5x torch encode; open at 100k <= 3 s and <= 0.15x the old format; "
    "chat RSS at 100k after 1,000 questions <= 1 GiB; ask p50 at 100k <= 2x at 1k; accuracy >= 0.95"
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


def peak_rss_mb() -> float:
    """This process's own peak RSS (``ru_maxrss`` would carry over the parent's across exec)."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]


def random_vectors(texts: list[str]) -> Any:
    """Unit vectors from a seeded generator: indexes at scale without embedding (``--random-vectors``)."""
    import numpy as np

    vectors = np.random.default_rng(len(texts)).standard_normal((len(texts), 384), dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def run_one(size: int, queries_n: int, chroma_url: str | None, work: Path,
            fake: bool = False) -> dict[str, float]:
    """Measure one size in this process; the chat process is measured in one of its own."""
    from careerbot.config import Settings
    from careerbot.core.chunking import chunk_document
    from careerbot.core.keywords import KeywordIndex
    from careerbot.corpus import load_documents
    from careerbot.index.base import read_index
    from careerbot.index.store import IndexStore
    from careerbot.models.embeddings import LocalEmbeddings
    from careerbot.retrieve import HybridRetriever

    corpus, home = work / "corpus", work / "home"
    queries = write_corpus(corpus, size)
    settings = Settings.resolve(corpus=corpus, home=home, chroma_url=chroma_url)
    embeddings = LocalEmbeddings(settings.model_dir, home / "models")
    docs = load_documents(corpus)
    texts = [c.embed_text for d in docs for c in chunk_document(d, embeddings.count_tokens)]
    embeddings.encode(texts[:256])  # export the model to ONNX (once per home) and warm it
    if fake:
        embeddings.encode = random_vectors  # type: ignore[method-assign]
        encode_rate = encode_cpu = float("nan")
    else:
        embeddings.model.encode(texts[:256])  # warm up: load weights, first-call overheads
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

    # Opening: chunks and BM25 from the side files, against the format before them (every
    # record's metadata read back from Chroma, BM25 rebuilt), A B A B in this run.
    opens: dict[str, list[float]] = {"now": [], "before": []}
    for _ in range(2):
        t = time.perf_counter()
        index = store.open()
        HybridRetriever.build(index, embeddings, settings.top_k)
        opens["now"].append(time.perf_counter() - t)
        t = time.perf_counter()
        old = read_index(index.collection, index.version, index.client)
        KeywordIndex([c.embed_text for c in old.chunks])
        opens["before"].append(time.perf_counter() - t)
        del index, old
    open_s, before_s = statistics.median(opens["now"]), statistics.median(opens["before"])

    asked = work / "queries.json"
    asked.write_text(json.dumps(queries))
    cmd = [sys.executable, __file__, "--chat", str(work), "--queries", str(queries_n)]
    if chroma_url:
        cmd += ["--chroma-url", chroma_url]
    chat = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
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
        "open_before_s": before_s,
        "open_ratio": open_s / before_s,
        "index_mb": size_mb,
        "peak_rss_mb": peak_rss_mb(),
        **chat,
    }


def run_chat(work: Path, queries_n: int, chroma_url: str | None) -> dict[str, float]:
    """A chat process: open the index, answer ``queries_n`` marker questions; its peak RSS."""
    from careerbot import CareerBot
    from careerbot.config import Settings

    bot = CareerBot(Settings.resolve(corpus=work / "corpus", home=work / "home", chroma_url=chroma_url))
    t = time.perf_counter()
    bot.version()
    chat_open_s = time.perf_counter() - t
    queries = json.loads((work / "queries.json").read_text())
    rng = random.Random(2)
    picked = [tuple(q) for q in rng.sample(queries, min(queries_n, len(queries)))]
    picked += [tuple(rng.choice(queries)) for _ in range(queries_n - len(picked))]
    latencies, right = [], 0
    for question, code in picked:
        t = time.perf_counter()
        answer = bot.ask(question)
        latencies.append((time.perf_counter() - t) * 1000)
        right += code in answer.text
    latencies.sort()
    return {
        "chat_open_s": chat_open_s,
        "ask_p50_ms": statistics.median(latencies),
        "ask_p95_ms": latencies[max(0, round(0.95 * len(latencies)) - 1)],
        "accuracy": right / len(picked),
        "queries": len(picked),
        "chat_rss_mb": peak_rss_mb(),
    }


COLUMNS = [
    ("chunks", "chunks", "{:,.0f}"),
    ("encode_per_s", "encode/s", "{:,.0f}"),
    ("ingest_per_s", "ingest/s", "{:,.0f}"),
    ("ingest_ratio", "ratio", "{:.2f}"),
    ("ingest_ratio_cpu", "ratio (CPU s)", "{:.2f}"),
    ("noop_s", "no-op s", "{:.1f}"),
    ("open_s", "open s", "{:.2f}"),
    ("open_before_s", "open s, old format", "{:.2f}"),
    ("open_ratio", "open ratio", "{:.2f}"),
    ("ask_p50_ms", "p50 ms", "{:.0f}"),
    ("ask_p95_ms", "p95 ms", "{:.0f}"),
    ("accuracy", "accuracy", "{:.3f}"),
    ("index_mb", "index MiB", "{:,.0f}"),
    ("peak_rss_mb", "bench RSS MiB", "{:,.0f}"),
    ("chat_rss_mb", "chat RSS MiB", "{:,.0f}"),
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
    parser.add_argument("--queries", type=int, default=1000, help="marker questions asked per size")
    parser.add_argument("--chroma-url", default=None, help="bench a Chroma server instead")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--chat", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--random-vectors", action="store_true",
                        help="index random unit vectors instead of embedding (open and memory only)")
    args = parser.parse_args()
    if args.chat:
        print(json.dumps(run_chat(args.chat, args.queries, args.chroma_url)))
        return
    if args.one:
        work = Path(tempfile.mkdtemp(prefix="careerbot-bench-"))
        try:
            print(json.dumps(run_one(args.chunks[0], args.queries, args.chroma_url, work,
                                     args.random_vectors)))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    rows = []
    for size in args.chunks:
        cmd = [sys.executable, __file__, "--one", "--chunks", str(size)]
        cmd += ["--queries", str(args.queries)] + ["--random-vectors"] * args.random_vectors
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
