"""The public API is explicit, and the README documents every setting and command."""

from __future__ import annotations

import re

from conftest import REPO

import careerbot
from careerbot.config import Settings, settings_table


def test_every_public_name_imports() -> None:
    for name in careerbot.__all__:
        assert getattr(careerbot, name) is not None
    from careerbot import Answer, CareerBot, Citation, ask  # noqa: F401


def test_settings_precedence() -> None:
    env = {"CAREERBOT_TOP_K": "7", "CAREERBOT_MAX_QUESTION_CHARS": "100"}
    s = Settings.resolve(env=env, max_question_chars=50)
    assert s.top_k == 7 and s.max_question_chars == 50


def test_readme_documents_every_setting() -> None:
    readme = (REPO / "README.md").read_text()
    for env_name, _, _ in settings_table():
        assert f"`{env_name}`" in readme, f"{env_name} missing from README settings table"


def test_readme_gives_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    ci = (REPO / ".ci" / "run").read_text()
    assert "make test" in ci


def test_readme_cli_commands_exist() -> None:
    from typer.testing import CliRunner

    from careerbot.app.cli import app

    readme = (REPO / "README.md").read_text()
    code = "\n".join(re.findall(r"^```[a-z]*\n(.*?)^```", readme, re.M | re.S))
    commands = set(re.findall(r"^\s*(?:\$ )?careerbot (\w+)", code, re.M))
    assert commands, "README shows no careerbot commands"
    for command in commands:
        result = CliRunner().invoke(app, [command, "--help"])
        assert result.exit_code == 0, f"careerbot {command} --help failed"
