"""Side files of a large version: peak memory of writing them, and time to open them.

    .venv/bin/python benchmarks/bench_sidecar.py --chunks 50000 200000

The chunks are those of one generated OOH-style file (``bench_stream.write_file``), cut by
the real chunker with a word count for tokens (no model, no Chroma: only the side files).
Each size runs in its own process: chunking alone (the floor), then chunking while writing
the side files as an ingest does (rows as they come, BM25 at the end); peak RSS is VmHWM.
A third process opens the written files as the chat does (chunks and BM25), median of 3.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench_stream import write_file

from careerbot.core.chunking import chunk_stream
from careerbot.index import sidecar
from careerbot.index.base import Record, with_ids


def chunks(path: Path, n: int) -> Iterator[tuple[str, object]]:
    """The first ``n`` (id, chunk) of a file, read 1 MB at a time."""
    def pieces() -> Iterator[str]:
        with open(path) as f:
            while piece := f.read(1 << 20):
                yield piece

    cut = with_ids(chunk_stream(path.name, path.stem, pieces(), lambda t: len(t.split())))
    return (item for _, item in zip(range(n), cut, strict=False))


def peak_mib() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) // 1024


def child(mode: str, path: Path, n: int, folder: Path) -> dict[str, float]:
    """One measurement in this process (``mode``: chunk, write or open)."""
    start = time.perf_counter()
    if mode == "chunk":
        for _ in chunks(path, n):
            pass
    elif mode == "write":
        side, batch = sidecar.Builder(folder, None), []
        for cid, chunk in chunks(path, n):
            batch.append(Record(cid, chunk))  # type: ignore[arg-type]
            if len(batch) == 512:
                side.add(batch)
                batch = []
        side.add(batch)
        side.finish()
    else:
        times = []
        for _ in range(3):
            t = time.perf_counter()
            sidecar.read_chunks(folder)
            sidecar.read_keywords(folder)
            times.append(time.perf_counter() - t)
        return {"open_s": statistics.median(times), "peak_mib": peak_mib()}
    return {"seconds": time.perf_counter() - start, "peak_mib": peak_mib()}


def run(mode: str, path: Path, n: int, folder: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--child", mode, str(path), str(n), str(folder)],
                          capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout))


def main() -> None:
    """Generate the file once, measure each size, print one table."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, nargs="+", default=[50_000])
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, path, n, folder = args.child
        print(json.dumps(child(mode, Path(path), int(n), Path(folder))))
        return
    work = Path(tempfile.mkdtemp(prefix="bench-sidecar-"))
    source = work / "big.txt"
    write_file(source, max(args.chunks) / 9_000)  # about 10,000 chunks per MB; some to spare
    print("| chunks | peak RSS, chunking alone | peak RSS, + side files | write | size | open |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in args.chunks:
        folder = work / f"v{n}"
        folder.mkdir()
        floor, wrote = run("chunk", source, n, folder), run("write", source, n, folder)
        opened = run("open", source, n, folder)
        size = sum(f.stat().st_size for f in folder.iterdir()) / 2**20
        print(f"| {n:,} | {floor['peak_mib']:.0f} MiB | {wrote['peak_mib']:.0f} MiB "
              f"| {wrote['seconds']:.0f} s | {size:.0f} MiB | {opened['open_s']:.2f} s |")


if __name__ == "__main__":
    main()
