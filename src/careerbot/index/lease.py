"""The single-writer lease of a shared index on a Chroma server.

Chroma has no compare-and-swap, so a writer writes its lease record, waits a moment and
reads it back; it proceeds only if the lease is still its own. A lease whose expiry has
passed, or whose process on this host is gone, may be taken over. This works across
machines when their clocks agree to within a few seconds.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from careerbot.errors import CareerBotError, IndexBusy

LEASE_ID = "writer-lease"
LEASE_SECONDS = 60.0
SETTLE_SECONDS = 0.5


class Lease:
    """A best-effort single-writer lease stored as a record in ``careerbot-meta``."""

    def __init__(self, meta: Any, url: str, guard: Callable[[], AbstractContextManager[Any]]) -> None:
        self.meta = meta
        self.url = url
        self.guard = guard
        self.owner = uuid.uuid4().hex
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self._written = 0.0

    def _read(self) -> dict[str, Any] | None:
        with self.guard():
            got = self.meta.get(ids=[LEASE_ID], include=["metadatas"])
        return dict(got["metadatas"][0]) if got["ids"] else None

    def _write(self) -> None:
        now = time.time()
        record = {"owner": self.owner, "host": self.host, "pid": self.pid,
                  "expires": now + LEASE_SECONDS}
        with self.guard():
            self.meta.upsert(ids=[LEASE_ID], embeddings=[[0.0]], metadatas=[record])
        self._written = now

    def _stale(self, held: dict[str, Any]) -> bool:
        if float(held.get("expires", 0)) < time.time():
            return True
        if held.get("host") == self.host:
            try:
                os.kill(int(held.get("pid", 0)), 0)
            except ProcessLookupError:
                return True  # the writer on this machine died (kill -9, power cut)
            except (PermissionError, ValueError, OverflowError):
                return False
        return False

    def _busy(self, held: dict[str, Any] | None) -> IndexBusy:
        who = f"{held.get('host')} pid {held.get('pid')}" if held else "another process"
        return IndexBusy(
            f"The index on {self.url} is being updated by {who}. "
            "Try again when it finishes."
        )

    def acquire(self) -> None:
        """Take the lease, or raise IndexBusy when a live writer holds it."""
        held = self._read()
        if held and held.get("owner") != self.owner and not self._stale(held):
            raise self._busy(held)
        self._write()
        time.sleep(SETTLE_SECONDS)  # a rival that read the old lease has written by now
        held = self._read()
        if not held or held.get("owner") != self.owner:
            raise self._busy(held)

    def renew(self, force: bool = False) -> None:
        """Extend the lease (at most every third of its term unless ``force``)."""
        if not force and time.time() - self._written < LEASE_SECONDS / 3:
            return
        held = self._read()
        if not held or held.get("owner") != self.owner:
            raise IndexBusy("Lost the index writer lease to another process; ingest again.")
        self._write()

    def release(self) -> None:
        """Give the lease up if it is still ours (never raises for a lost server)."""
        try:
            held = self._read()
            if held and held.get("owner") == self.owner:
                with self.guard():
                    self.meta.delete(ids=[LEASE_ID])
        except CareerBotError:
            pass  # the lease expires on its own
