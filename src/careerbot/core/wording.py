"""Words of a message that are its wording, not things it asks the profile about: a noun
that judges what the user told, a word set against what is asked, whom the user tells,
the parts of a hyphenated modifier, "this job" for the occupation. None of them names a
gap or a figure the profile lacks.

Pure: regular expressions over the message; :mod:`careerbot.core.question` reads them.
"""

from __future__ import annotations

import re

_JUDGED = re.compile(
    r"\b(?:is|would|will|could)\s+(?:that|this|it)\s+(?:be\s+)?(?:a|an)\s+(\w+)(?:\s+(\w+))?", re.I
)
"""A noun said of what the user just told: "is that a dealbreaker?", "would that be a big plus?"."""
_CONTRASTED = re.compile(
    r"(?<!\bdo)(?<!\bdoes)(?<!\bdid)(?<!\bis)(?<!\bare)(?<!\bcan)(?<!\bwill)(?<!\bwould)(?<!\bshould)"
    r"\s+not\s+([a-z]+)", re.I)
"""A word set against what is asked, with no verb before "not" ("actual tasks not
buzzwords"): what the user does not want, never a gap the profile has."""
_TOLD = re.compile(
    r"\b(?:tell|show|explain\s+to|advise|pitch\s+(?:it|this)\s+to)\s+(?:my\s+|our\s+|the\s+)?([a-z]+)", re.I)
"""Whom a user tells ("what can I tell students to expect?"): the people a counsellor or a
parent advises, not a thing the profile must give figures for."""
_THIS_JOB = re.compile(r"\b(?:this|that|the)\s+(job)\b", re.I)
_JOB = re.compile(r"\bjobs?\b", re.I)
_COUNTS = re.compile(r"\bhow many\b|\bnumber of\b", re.I)
_MODIFIER = re.compile(r"\b([A-Za-z]+(?:-[A-Za-z]+)+)(?=\s+[A-Za-z])")
"""A hyphenated compound before a word ("hands-on experience"): it describes that word;
its parts name nothing of their own."""


def judged(text: str) -> set[str]:
    """Lower-cased words that judge what the user told ("is that a dealbreaker?") or that
    are set against what is asked ("actual tasks not buzzwords")."""
    said = {w.lower() for m in _JUDGED.finditer(text) for w in m.groups() if w}
    return said | {m.group(1).lower() for m in _CONTRASTED.finditer(text)}


def told_to(text: str) -> set[str]:
    """Lower-cased words naming whom the user tells ("tell students", "advise my son")."""
    return {m.group(1).lower() for m in _TOLD.finditer(text)}


def modifier_parts(text: str) -> set[str]:
    """Lower-cased parts of the hyphenated modifiers of a text ("hands-on experience":
    "hands", "on")."""
    return {p.lower() for m in _MODIFIER.finditer(text) for p in m.group(1).split("-")}


def naming_the_job(text: str) -> list[str]:
    """The word "job" where it names the occupation ("what skills do you need for this
    job?"): what is asked is of the occupation, not of employment; none when jobs are
    counted ("how many people have this job?") or named otherwise ("jobs")."""
    if _COUNTS.search(text) or len(_JOB.findall(text)) != len(_THIS_JOB.findall(text)):
        return []
    return [m.group(1) for m in _THIS_JOB.finditer(text)]


__all__ = ["judged", "modifier_parts", "naming_the_job", "told_to"]
