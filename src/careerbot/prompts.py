"""Prompt files: shipped in the package's ``prompts/`` folder, loaded and rendered strictly.

Prompts are ``string.Template`` text (``$name`` placeholders). Rendering uses
``substitute``, so a missing variable is an error rather than a silent hole in the prompt,
and an unused variable is an error too, so a renamed placeholder cannot go unnoticed.
"""

from __future__ import annotations

from functools import cache
from string import Template

from careerbot import resources
from careerbot.errors import ConfigError

PROMPTS_DIR = resources.PACKAGE_DIR / "prompts"


@cache
def load(name: str) -> Template:
    """The prompt ``prompts/<name>.txt`` as a template."""
    return Template(resources.read_text(f"prompts/{name}.txt"))


def render(name: str, **variables: str) -> str:
    """Fill the prompt ``name`` with ``variables``; every placeholder and variable must match.

    Raises:
        ConfigError: a placeholder has no value, or a value has no placeholder.

    """
    template = load(name)
    wanted = set(template.get_identifiers())
    missing, unused = wanted - set(variables), set(variables) - wanted
    if missing or unused:
        raise ConfigError(
            f"Prompt {name!r}: missing {sorted(missing)}, unused {sorted(unused)}."
        )
    return template.substitute(variables)


def names() -> list[str]:
    """Every prompt shipped with the package."""
    return sorted(p.stem for p in PROMPTS_DIR.glob("*.txt"))
