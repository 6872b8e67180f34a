"""What an ordinal in a follow-up points at: "the first one", "the last one", "the second"
name one item of the list the last answer gave ("how much do they make in the first one?"
after the industries that employ the most).

Pure: reads the text of the last answer, as the user saw it.
"""

from __future__ import annotations

import re

from careerbot.core.lexicon import MARKER_RUN, SENTENCE_BREAK

_PLACE = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "last": -1}
_ORDINAL = re.compile(
    rf"\bthe\s+({'|'.join(_PLACE)})(?:\s+one\b|(?=\s*(?:[?.!,;]|$)))", re.I
)
"""An ordinal standing alone ("the last one", "the second?"): not before a noun of its own
("the first year", "the last decade")."""
_CITED_END = re.compile(rf"{MARKER_RUN.pattern}\.?")
"""The end of a cited group: its markers and the full stop after them."""
_ITEM_BREAK = re.compile(r";\s+(?=[A-Z])")
"""Items of a quoted list or table start with a capital ("Hospitals; state, local, and
private: 30%; Offices of physicians: 12%"): a semicolon before a small letter is inside one."""
_FIGURE = re.compile(r"[\s:]*\$?[\d,.]+%?$")
"""A row's figure ("Offices of physicians: 12%"): the item is what it is the figure of."""
_PROSE_BREAK = re.compile(r",\s+(?:and\s+|or\s+)?|\s+(?:and|or)\s+")
_INTRODUCED = re.compile(r"^.*\b(?:include|includes|including|such as|are|were|is)\s+", re.I)
"""What introduces a list written as prose ("Examples ... include nursing home administrators,
clinical managers, and health information managers")."""


def resolved(question: str, answer: str) -> str:
    """The question with an ordinal that points at an item of the last answer's list
    replaced by that item, without its figure ("how much do they make in the first one?"
    -> "... in Hospitals; state, local, and private?"): every later reading (intent,
    search, gaps) sees what is meant."""
    found = _ORDINAL.search(question)
    if not found:
        return question
    items = list_items(answer)
    place = _PLACE[found.group(1).lower()]
    if not -len(items) <= place < len(items):
        return question
    item = _FIGURE.sub("", items[place])
    return f"{question[:found.start()]}{item}{question[found.end():]}"


def list_items(answer: str) -> list[str]:
    """The items of the first list in an answer, as the user saw it: after a lead ending
    in a colon, the quoted items or rows (split at semicolons before a capital), or the
    cited groups in the paragraphs below it; else a sentence's series ("a, b, and c")."""
    _, colon, rest = answer.partition(":")
    if colon and rest.startswith("\n"):
        # each cited group, by its first sentence (which names the item)
        items = [SENTENCE_BREAK.split(i.strip())[0].strip(" .") for i in _CITED_END.split(rest)]
    elif colon:
        items = _ITEM_BREAK.split(MARKER_RUN.sub("", rest.split("\n")[0]).strip(" ."))
    else:
        items = []
    items = [i for i in items if i]
    if len(items) > 1:
        return items
    for sentence in re.split(rf"{SENTENCE_BREAK.pattern}|\n+", MARKER_RUN.sub("", answer)):
        series = _PROSE_BREAK.split(_INTRODUCED.sub("", sentence.rstrip(".")))
        if "," in sentence and len(series) > 2:
            return [s.strip() for s in series if s.strip()]
    return []


__all__ = ["list_items", "resolved"]
