"""Docs that cannot drift: every command and every option is in docs/cli.md, and the README's
two set-up commands are the ones CI runs."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from anniv.cli import build_parser, commands

ROOT = Path(__file__).parent.parent
CLI_DOC = (ROOT / "docs" / "cli.md").read_text()


def _sections() -> dict[str, str]:
    parts = re.split(r"^## `anniv ([a-z-]+)", CLI_DOC, flags=re.M)
    out: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        out[name] = out.get(name, "") + body
    # "## `anniv verify "TEXT"` and `anniv scan FILE...`" documents both
    for body in list(out.values()):
        for other in re.findall(r"`anniv ([a-z-]+)", body.splitlines()[0]):
            out.setdefault(other, body)
    return out


def _options() -> list[tuple[str, str]]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found = []
    for name, _ in commands():
        for action in sub.choices[name]._actions:
            for opt in action.option_strings:
                if opt.startswith("--") and opt not in ("--help", "--data", "--today"):
                    found.append((name, opt))
    return found


@pytest.mark.parametrize("name", [n for n, _ in commands()])
def test_every_command_has_a_section(name: str) -> None:
    assert name in _sections(), f"docs/cli.md has no section for anniv {name}"


@pytest.mark.parametrize("name,option", _options(), ids=lambda v: str(v))
def test_every_option_is_documented(name: str, option: str) -> None:
    assert option in _sections()[name], f"docs/cli.md does not mention {option} under anniv {name}"


def test_ci_runs_the_readme_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install . && anniv due" in readme and "pip install -q . && anniv due" in ci
    assert (
        "pip install '.[test]' && python -m pytest" in readme and "pip install -q '.[test]' && python -m pytest" in ci
    )
