"""Read the corpus folder: every ``.txt`` and ``.md`` file, a piece at a time.

The one place that touches corpus files; cutting them into chunks is pure
(:mod:`careerbot.core.chunking`). A file is never held whole: :func:`scan` checks and
hashes each file in pieces, and :meth:`SourceFile.pieces` reads it again for the chunker,
so an ingest's memory does not grow with the size of one file.
"""

from __future__ import annotations

import codecs
import hashlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from careerbot.core.chunking import CorpusFile, title_of
from careerbot.errors import CorpusError

PIECE = 1 << 20
"""Bytes read at a time."""


@dataclass(frozen=True)
class SourceFile:
    """A corpus file checked by :func:`scan`: its name, path, and the hash and length of its text."""

    source: str
    path: Path
    digest: str
    length: int

    def pieces(self) -> Iterator[str]:
        """The file's text (UTF-8, line breaks made LF), in pieces of about :data:`PIECE`.

        Raises:
            CorpusError: the file cannot be read, or changed since it was scanned.

        """
        sha = hashlib.sha256()
        for piece in _decoded(self.path):
            sha.update(piece.encode())
            yield piece
        if sha.hexdigest() != self.digest:
            raise CorpusError(f"{self.path} changed while it was being indexed. Run the ingest again.")


def scan(folder: Path) -> list[SourceFile]:
    """Check and hash every non-empty ``.txt`` and ``.md`` file below ``folder``, sorted by path.

    A link that leads outside ``folder`` is skipped with a notice on stderr, so a corpus
    shared or unpacked from elsewhere cannot pull in other files of this machine.
    """
    if not folder.is_dir():
        raise CorpusError(f"Corpus folder {folder} does not exist. Pass --corpus DIR.")
    root = folder.resolve()
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in {".txt", ".md"} and p.is_file())
    files = []
    for path in paths:
        if not path.resolve().is_relative_to(root):
            print(f"Skipping {path}: it links outside the corpus folder.", file=sys.stderr)
            continue
        sha, length, blank = hashlib.sha256(), 0, True
        for piece in _decoded(path):
            sha.update(piece.encode())
            length += len(piece)
            blank = blank and not piece.strip()
        if not blank:
            files.append(SourceFile(str(path.relative_to(folder)), path, sha.hexdigest(), length))
    if not files:
        raise CorpusError(f"Corpus folder {folder} has no non-empty .txt or .md files.")
    return files


def load_documents(folder: Path) -> list[CorpusFile]:
    """Every corpus file read whole, with its title (for tools that need whole texts)."""
    docs = []
    for f in scan(folder):
        text = "".join(f.pieces())
        docs.append(CorpusFile(f.source, title_of(f.path.stem, text), text))
    return docs


def _decoded(path: Path) -> Iterator[str]:
    """Decode a file piece by piece; a CR at a piece's end waits for a following LF."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    held, offset = "", 0
    try:
        with open(path, "rb") as f:
            while True:
                data = f.read(PIECE)
                try:
                    text = held + decoder.decode(data, final=not data)
                except UnicodeDecodeError as e:  # e.start counts from the decoder's held bytes
                    byte = offset - len(decoder.getstate()[0]) + e.start
                    raise CorpusError(
                        f"{path} is not UTF-8 text (byte {byte}). Convert it, e.g. `iconv -t utf-8`."
                    ) from e
                offset += len(data)
                held = text[-1:] if data and text.endswith("\r") else ""
                text = text[: len(text) - len(held)].replace("\r\n", "\n").replace("\r", "\n")
                if text:
                    yield text
                if not data:
                    return
    except OSError as e:
        raise CorpusError(f"Cannot read {path}: {e.strerror or e}.") from e
