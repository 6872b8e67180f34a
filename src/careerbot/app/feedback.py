"""Thumbs up/down on answers, stored in SQLite at ``<home>/feedback.db``.

One short transaction per write, WAL mode so the export can read while the chat page
writes, and a fresh connection per call so any thread may record a vote.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from careerbot.core.text import clean
from careerbot.errors import ConfigError, FeedbackStoreError

COLUMNS = (
    "id", "timestamp", "app_version", "question", "history", "answer", "citations", "vote",
    "comment", "kind",
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp TEXT NOT NULL,
    app_version TEXT NOT NULL,
    question TEXT NOT NULL,
    history TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    comment TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT ''
)
"""
FORMATS = ("csv", "jsonl")
MAX_COMMENT_CHARS = 2000
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _clean_comment(comment: str) -> str:
    """Clean, strip and cap a comment, so one visitor cannot grow the database without bound."""
    return clean(comment, MAX_COMMENT_CHARS * 2).strip()[:MAX_COMMENT_CHARS]


def spreadsheet_safe(value: Any) -> Any:
    """Prefix ``'`` to text a spreadsheet would run as a formula; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _version() -> str:
    from careerbot import __version__

    return __version__


def _add_kind(conn: sqlite3.Connection) -> None:
    """Give a database from before answer kinds were recorded its ``kind`` column ('' = unknown)."""
    if "kind" not in {row[1] for row in conn.execute("PRAGMA table_info(feedback)")}:
        conn.execute("ALTER TABLE feedback ADD COLUMN kind TEXT NOT NULL DEFAULT ''")


class FeedbackStore:
    """The feedback table in one SQLite file (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with closing(sqlite3.connect(self.path, timeout=10)) as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(_SCHEMA)
                _add_kind(conn)
                yield conn
        except sqlite3.DatabaseError as e:  # also OperationalError: locked, unreadable, ...
            raise FeedbackStoreError(
                f"Cannot use the feedback database {self.path} ({e}). If it is damaged, move it "
                "aside (e.g. add .bad to its name); a new one is started on the next vote."
            ) from e

    def record(
        self,
        question: str,
        history: Sequence[tuple[str, str]],
        answer: str,
        citations: Sequence[dict[str, Any]],
        vote: int,
        comment: str = "",
        kind: str = "",
    ) -> int:
        """Store one vote (+1 or -1) on an answer of ``kind`` (``Answer.kind``), in one
        transaction; return the row id."""
        if vote not in (1, -1):
            raise ValueError("vote must be +1 or -1")
        row = (
            datetime.now(UTC).isoformat(timespec="seconds"),
            _version(),
            question,
            json.dumps([list(t) for t in history], ensure_ascii=False),
            answer,
            json.dumps(list(citations), ensure_ascii=False),
            vote,
            _clean_comment(comment),
            kind,
        )
        with self._connect() as conn, conn:
            cur = conn.execute(
                "INSERT INTO feedback (timestamp, app_version, question, history, answer, "
                "citations, vote, comment, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cur.lastrowid or 0)

    def comment(self, row_id: int, comment: str) -> bool:
        """Attach a comment to a stored vote, in one transaction; False if no such row."""
        with self._connect() as conn, conn:
            cur = conn.execute(
                "UPDATE feedback SET comment = ? WHERE id = ?", (_clean_comment(comment), row_id)
            )
            return cur.rowcount == 1

    def revote(self, row_id: int, vote: int, comment: str = "") -> bool:
        """Replace a stored vote (and its comment, when one is given); False if no such row.

        The page calls this for a second vote on the same answer, so one visitor's
        clicks count once.
        """
        if vote not in (1, -1):
            raise ValueError("vote must be +1 or -1")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._connect() as conn, conn:
            cur = conn.execute(
                "UPDATE feedback SET vote = ?, timestamp = ?, comment = CASE WHEN ? = '' "
                "THEN comment ELSE ? END WHERE id = ?",
                (vote, now, _clean_comment(comment), _clean_comment(comment), row_id),
            )
            return cur.rowcount == 1

    def rows(self) -> list[dict[str, Any]]:
        """Every row, oldest first, with ``history`` and ``citations`` decoded from JSON."""
        if not self.path.exists():
            return []
        with self._connect() as conn:
            conn.row_factory = sqlite3.Row
            got = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id").fetchall()
        out = []
        for r in got:
            row = dict(r)
            row["history"] = json.loads(row["history"])
            row["citations"] = json.loads(row["citations"])
            out.append(row)
        return out

    def export(self, out: TextIO, fmt: str = "csv") -> int:
        """Write every row to ``out`` as CSV (JSON in the list columns) or JSON Lines.

        CSV text cells that a spreadsheet would run as formulas are prefixed with ``'``;
        JSON Lines keep the stored text exactly.
        """
        if fmt not in FORMATS:
            raise ConfigError(f"Unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}.")
        rows = self.rows()
        if fmt == "jsonl":
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            return len(rows)
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            flat = dict(row)
            flat["history"] = json.dumps(row["history"], ensure_ascii=False)
            flat["citations"] = json.dumps(row["citations"], ensure_ascii=False)
            writer.writerow({k: spreadsheet_safe(v) for k, v in flat.items()})
        return len(rows)
