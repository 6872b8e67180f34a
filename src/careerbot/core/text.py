"""Untrusted text made safe to keep and show: one normalisation for every door.

Questions, comments and history arrive from browsers and API clients. Before anything
is stored, rendered or serialised they go through :func:`clean`, so carriage returns
cannot end an HTML block (two of them are a blank line to Markdown), a control character
cannot reach a terminal or a CSV file, and a lone surrogate cannot crash a JSON encoder.
"""

from __future__ import annotations

import re
import unicodedata

LINE_BREAKS = re.compile(r"\r\n?|[\v\f\x1c-\x1e\x85\u2028\u2029]")
"""Everything a renderer may take for the end of a line, besides a newline."""
REPLACEMENT = "\ufffd"


def _keep(ch: str) -> str:
    kind = unicodedata.category(ch)
    if kind == "Cs":  # a lone surrogate: not text, and no encoder accepts it
        return REPLACEMENT
    if kind == "Cc" and ch not in "\n\t":
        return ""
    return ch


def clean(text: str, limit: int | None = None) -> str:
    """``text`` with one kind of line break (newline), no control characters, lone
    surrogates replaced by U+FFFD, and at most ``limit`` characters."""
    if limit is not None:
        text = text[: limit * 2]  # bound the work before normalising; trimmed again below
    text = LINE_BREAKS.sub("\n", text)
    if not text.isprintable():
        text = "".join(map(_keep, text))
    return text if limit is None else text[:limit]
