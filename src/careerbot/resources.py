"""Package data, loaded by one helper: word lists in ``data/`` and prompts in ``prompts/``.

Code holds mechanisms; vocabulary and prompt wording are data files shipped with the
package, so changing them is an edit to a text file, and a test loads every one.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from careerbot.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"


def read_text(relative: str) -> str:
    """The text of a file shipped inside the package (``data/...`` or ``prompts/...``)."""
    path = PACKAGE_DIR / relative
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"Package file {path} is missing; reinstall careerbot.") from e


def _lines(name: str) -> list[str]:
    """Non-comment lines of ``data/<name>.txt``, stripped."""
    text = read_text(f"data/{name}.txt")
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


@cache
def words(name: str) -> frozenset[str]:
    """A word list: every whitespace-separated word of ``data/<name>.txt``."""
    return frozenset(w for line in _lines(name) for w in line.split())


@cache
def classes(name: str) -> dict[str, tuple[str, ...]]:
    """Named word classes, one ``name: word word ...`` line each, in file order."""
    out: dict[str, tuple[str, ...]] = {}
    for line in _lines(name):
        key, sep, rest = line.partition(":")
        if not sep or not key.strip():
            raise ConfigError(f"data/{name}.txt: line {line!r} is not 'name: words'.")
        out[key.strip()] = tuple(rest.split())
    return out


@cache
def examples(name: str) -> dict[str, tuple[str, ...]]:
    """Labelled examples, one ``label | text`` line each, grouped by label in file order."""
    out: dict[str, list[str]] = {}
    for line in _lines(name):
        label, sep, text = line.partition("|")
        if not sep or not label.strip() or not text.strip():
            raise ConfigError(f"data/{name}.txt: line {line!r} is not 'label | text'.")
        out.setdefault(label.strip(), []).append(text.strip())
    return {k: tuple(v) for k, v in out.items()}


@cache
def phrases(name: str) -> tuple[str, ...]:
    """A phrase list: one phrase per non-comment line of ``data/<name>.txt``."""
    return tuple(_lines(name))


def data_files() -> list[str]:
    """Names of every word list shipped with the package."""
    return sorted(p.stem for p in DATA_DIR.glob("*.txt"))
