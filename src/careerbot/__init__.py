"""careerbot: grounded, cited answers about an occupation, offline."""

from careerbot.bot import CareerBot, ask
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
