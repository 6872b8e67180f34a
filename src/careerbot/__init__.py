"""careerbot: grounded, cited answers about an occupation, offline."""

from typing import TYPE_CHECKING, Any

from careerbot.config import Settings
from careerbot.errors import (
    BackendUnavailable,
    BadQuestion,
    CareerBotError,
    CorpusError,
    IndexBusy,
    IndexIncompatible,
    IndexMissing,
)
from careerbot.result import Answer, Citation

__all__ = [
    "Answer",
    "BackendUnavailable",
    "BadQuestion",
    "CareerBot",
    "CareerBotError",
    "Citation",
    "CorpusError",
    "IndexBusy",
    "IndexIncompatible",
    "IndexMissing",
    "Settings",
    "ask",
]
__version__ = "0.1.0"

if TYPE_CHECKING:
    from careerbot.bot import CareerBot, ask


def __getattr__(name: str) -> Any:
    """``CareerBot`` and ``ask`` on first use: importing the package (the CLI does, for
    ``--help`` or a refused ``chat --host``) does not load the model and index libraries."""
    if name in {"CareerBot", "ask"}:
        from careerbot import bot

        return getattr(bot, name)
    raise AttributeError(f"module 'careerbot' has no attribute {name!r}")
