"""Eval question files: one JSON object per line, validated by a pydantic model.

Every file is read and checked before anything runs; a bad line gets one message naming
its file, line and problem.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from careerbot.errors import EvalFileError

Text = Annotated[str, StringConstraints(strip_whitespace=False, pattern=r"\S")]
"""A string with at least one non-blank character."""


class Kind(StrEnum):
    """What kind of reply a question expects (``Answer.kind``)."""

    ANSWER = "answer"
    REFUSAL = "refusal"
    SMALLTALK = "smalltalk"
    DECLINE = "decline"


@dataclass(frozen=True)
class EvalQuestion:
    """One line of a question file.

    Attributes:
        id: Unique name of the question across all files of a run.
        question: What the user asks.
        expected_facts: Facts the answer must contain; each is a tuple of alternative
            spellings, any one of which counts.
        expected_section: Section heading the answer should cite, if any.
        answerable: True, False, or None when answering and refusing are both acceptable.
        forbidden: Strings that must not appear in the answer.
        history: Earlier (user, assistant) turns of the conversation.
        origin: ``file:line`` the question was read from, for messages.
        expected_kind: The kind of reply expected, if given.
        category: A free label for grouping in reports (e.g. "typo", "advice").
        group: Questions sharing a group ask for the same fact (paraphrase sets).

    """

    id: str
    question: str
    expected_facts: tuple[tuple[str, ...], ...] = ()
    expected_section: str | None = None
    answerable: bool | None = None
    forbidden: tuple[str, ...] = ()
    history: tuple[tuple[str, str], ...] = ()
    origin: str = ""
    expected_kind: Kind | None = None
    category: str | None = None
    group: str | None = None


class QuestionLine(BaseModel):
    """The schema of one line; unknown keys are an error, so a typo cannot go unnoticed."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: Text
    question: Text
    expected_facts: list[Text | Annotated[list[Text], Field(min_length=1)]]
    expected_section: Text | None = None
    answerable: bool | None = None
    forbidden: list[Text] = []
    history: list[tuple[str, str]] = []
    expected_kind: Kind | None = None
    category: Text | None = None
    group: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> QuestionLine:
        if self.answerable is False and self.expected_facts:
            raise ValueError("an unanswerable question ('answerable': false) cannot have expected_facts")
        return self

    def question_at(self, origin: str) -> EvalQuestion:
        """The validated line as an :class:`EvalQuestion`. Small talk is neither answered
        nor refused, whatever ``answerable`` says: a writer who marked "hi" unanswerable
        would otherwise count every friendly reply as a failure to refuse."""
        smalltalk = self.expected_kind == Kind.SMALLTALK
        return EvalQuestion(
            id=self.id, question=self.question,
            expected_facts=tuple((f,) if isinstance(f, str) else tuple(f) for f in self.expected_facts),
            expected_section=self.expected_section, answerable=None if smalltalk else self.answerable,
            forbidden=tuple(self.forbidden), history=tuple(self.history), origin=origin,
            expected_kind=self.expected_kind, category=self.category, group=self.group,
        )


_PROBLEMS = {
    "id": "'id' must be a non-empty string",
    "question": "'question' must be a non-empty string",
    "expected_facts": "'expected_facts' must be a list",
    "expected_section": "'expected_section' must be a non-empty string",
    "answerable": "'answerable' must be true, false or absent",
    "forbidden": "'forbidden' must be a list of non-empty strings",
    "history": "'history' must be a list of [user, assistant] string pairs",
    "expected_kind": f"'expected_kind' must be one of {', '.join(k.value for k in Kind)}",
    "category": "'category' must be a non-empty string",
    "group": "'group' must be a non-empty string",
}


def _json_type(value: Any) -> str:
    if value == "" or value == []:  # "must be a non-empty string, got a string" says nothing
        return "an empty " + ("string (leave the key out instead)" if value == "" else "array")
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _problem(error: ValidationError, obj: dict[str, Any]) -> str:
    """One sentence for the first thing wrong with a line, in the file's own terms."""
    errors = error.errors()
    unknown = sorted(str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden")
    if unknown:
        allowed = ", ".join(sorted(QuestionLine.model_fields))
        return f"unknown key(s) {', '.join(map(repr, unknown))}; allowed: {allowed}"
    first = errors[0]
    loc = first["loc"]
    if first["type"] == "missing":
        return f"missing required key {loc[0]!r}"
    if not loc:
        return str(first["msg"]).removeprefix("Value error, ")
    key = str(loc[0])
    if key == "expected_facts" and len(loc) > 1 and isinstance(loc[1], int):
        item = obj["expected_facts"][loc[1]]
        return (f"'expected_facts' item {loc[1] + 1} must be a non-empty string or a non-empty "
                f"list of alternative strings, got {json.dumps(item)}")
    return f"{_PROBLEMS[key]}, got {_json_type(obj.get(key))}"


def parse_line(line: str, where: str) -> EvalQuestion:
    """Parse and validate one line; ``where`` is its ``file:line``."""
    def bad(problem: str) -> EvalFileError:
        return EvalFileError(f"{where}: {problem}; fix this line and run again.")

    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise bad(f"not valid JSON ({e.msg} at column {e.colno})") from e
    if not isinstance(obj, dict):
        raise bad(f"expected a JSON object, got {_json_type(obj)}")
    try:
        return QuestionLine.model_validate_json(line).question_at(where)
    except ValidationError as e:
        raise bad(_problem(e, obj)) from None


def load_questions(paths: Iterable[Path]) -> list[EvalQuestion]:
    """Read and validate every question file before anything runs.

    Args:
        paths: JSONL question files, read in order.

    Returns:
        All questions, in file order.

    Raises:
        EvalFileError: No file is given, a file is unreadable or empty, or a line is
            malformed; the message names the file and line. Ids must be unique across files.

    """
    questions: list[EvalQuestion] = []
    seen: dict[str, str] = {}
    for path in paths:
        for q in _read_file(Path(path)):
            if q.id in seen:
                raise EvalFileError(
                    f"{q.origin}: id {q.id!r} is already used at {seen[q.id]}; "
                    "give every question a unique id."
                )
            seen[q.id] = q.origin
            questions.append(q)
    if not questions:
        raise EvalFileError("No question files given; pass at least one .jsonl file.")
    return questions


def _read_file(path: Path) -> list[EvalQuestion]:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise EvalFileError(f"{path}: cannot read the question file ({e.strerror or e}).") from e
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise EvalFileError(f"{path}:{line}: not UTF-8 text; save the file as UTF-8.") from e
    questions = [
        parse_line(line, f"{path}:{number}")
        for number, line in enumerate(text.split("\n"), start=1)
        if line.strip()
    ]
    if not questions:
        raise EvalFileError(f"{path}: holds no questions; add one JSON object per line.")
    return questions
