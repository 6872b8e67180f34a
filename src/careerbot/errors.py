"""Domain errors. Each message tells the user what to do next; edges translate them.

The CLI prints ``str(error)`` on one line and exits 1; the web page shows it as a chat
reply; the eval runner records it per question.
"""


class CareerBotError(Exception):
    """Base class: anything careerbot expects can go wrong, with a user-facing message."""


class ConfigError(CareerBotError):
    """A setting has an invalid value."""


class CorpusError(CareerBotError):
    """The corpus folder is missing, empty, or holds a file that cannot be read."""


class IndexMissing(CareerBotError):
    """No usable index exists yet."""


class IndexBusy(CareerBotError):
    """Another process is updating the index."""


class IndexIncompatible(CareerBotError):
    """The index was built by another model or chunker version, or is damaged."""


class BadQuestion(CareerBotError):
    """The question cannot be answered as given (empty, too long, not text)."""


class BackendUnavailable(CareerBotError):
    """A configured LLM or Chroma server cannot be reached."""


class EvalFileError(CareerBotError):
    """An eval question file or baseline is unreadable or malformed (names file and line)."""


class FeedbackStoreError(CareerBotError):
    """The feedback database cannot be read or written (damaged, locked, not SQLite)."""
