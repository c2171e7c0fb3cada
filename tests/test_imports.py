"""`anniv due --format json` stays light: no rich, no icalendar, and no date libraries or YAML
parser when the index already answers (checked with ``python -X importtime`` in a subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parent.parent

PLAIN = """calendar:
  id: plain
  name: Plain Gregorian events
events:
  - id: plain-one
    title: A plain event
    date: 1950-10-25
    summary: Nothing here needs a date library.
    sources: [{title: Fixture}]
  - id: plain-two
    title: Another plain event
    date: 1900-10-28
    summary: Nothing here needs a date library either.
    sources: [{title: Fixture}]
"""

NEVER = ("icalendar", "rich")
NOT_WHEN_WARM = ("yaml", "dateutil", "convertdate", "korean_lunar_calendar")


def imported(data: Path, cache: Path, fmt: str = "json") -> tuple[set[str], str]:
    env = dict(os.environ, ANNIV_CACHE_DIR=str(cache), PYTHONPATH=str(REPO))
    env.pop("ANNIV_NO_CACHE", None)
    proc = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "anniv",
            "due",
            "--data",
            str(data),
            "--today",
            "2025-10-01",
            "--next",
            "30d",
            "--format",
            fmt,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    modules = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            modules.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return modules, proc.stdout


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "plain.yaml").write_text(PLAIN, encoding="utf-8")
    return data


def test_due_json_never_imports_rich_or_icalendar(plain: Path, tmp_path: Path) -> None:
    cold, out = imported(plain, tmp_path / "cache")
    assert "plain-one" in out
    assert not cold & set(NEVER), cold & set(NEVER)
    assert "yaml" in cold  # the first run parses: the check can see imports at all


def test_warm_due_json_needs_neither_yaml_nor_date_libraries(plain: Path, tmp_path: Path) -> None:
    imported(plain, tmp_path / "cache")
    warm, out = imported(plain, tmp_path / "cache")
    assert "plain-one" in out
    assert not warm & set(NEVER + NOT_WHEN_WARM), warm & set(NEVER + NOT_WHEN_WARM)
    assert "anniv" in warm


@pytest.mark.parametrize("fmt", ["csv", "md", "table"], ids=["csv", "markdown", "plain-table-off-a-terminal"])
def test_other_text_formats_stay_light_too(plain: Path, tmp_path: Path, fmt: str) -> None:
    imported(plain, tmp_path / "cache", fmt)
    warm, _ = imported(plain, tmp_path / "cache", fmt)
    assert not warm & set(NEVER + NOT_WHEN_WARM), warm & set(NEVER + NOT_WHEN_WARM)
