"""Read the corpus folder: every ``.txt`` and ``.md`` file, as :class:`CorpusFile` objects.

The one place that touches corpus files; cutting them into chunks is pure
(:mod:`careerbot.core.chunking`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from careerbot.core.chunking import CorpusFile, title_of
from careerbot.errors import CorpusError


def load_documents(folder: Path) -> list[CorpusFile]:
    """Read every ``.txt`` and ``.md`` file below ``folder``, sorted by path.

    A link that leads outside ``folder`` is skipped with a notice on stderr, so a corpus
    shared or unpacked from elsewhere cannot pull in other files of this machine.
    """
    if not folder.is_dir():
        raise CorpusError(f"Corpus folder {folder} does not exist. Pass --corpus DIR.")
    root = folder.resolve()
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in {".txt", ".md"} and p.is_file())
    docs = []
    for path in paths:
        if not path.resolve().is_relative_to(root):
            print(f"Skipping {path}: it links outside the corpus folder.", file=sys.stderr)
            continue
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as e:
            raise CorpusError(
                f"{path} is not UTF-8 text (byte {e.start}). Convert it, e.g. `iconv -t utf-8`."
            ) from e
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if text.strip():
            docs.append(CorpusFile(str(path.relative_to(folder)), title_of(path.stem, text), text))
    if not docs:
        raise CorpusError(f"Corpus folder {folder} has no non-empty .txt or .md files.")
    return docs
