"""Shared fixtures: a private cache folder per test session and a CLI runner."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from anniv.cli import main

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never touch the user's cache folder."""
    monkeypatch.setenv("ANNIV_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "anniv-cache"))
    monkeypatch.delenv("ANNIV_DATA", raising=False)
    monkeypatch.delenv("ANNIV_NO_CACHE", raising=False)


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"Result(code={self.code}, out={self.out[:400]!r}, err={self.err[:400]!r})"


@pytest.fixture
def run() -> Callable[..., Result]:
    """Run the CLI in-process with captured output (never a terminal)."""

    def _run(*argv: str, env: dict[str, str] | None = None) -> Result:
        out, err = io.StringIO(), io.StringIO()
        import os

        environ = dict(os.environ)
        environ.update(env or {})
        code = main(list(argv), stdout=out, stderr=err, env=environ)
        return Result(code, out.getvalue(), err.getvalue())

    return _run


def install_command(bin_dir: Path, first_line: str | None = None) -> Path:
    """The ``anniv`` command laid out as pip installs it: the launcher (``anniv/anniv``) and
    the Python script (``anniv/anniv-py``) side by side in ``bin_dir``, the script's ``#!python``
    line replaced by ``first_line`` (default: this interpreter). Returns the launcher."""
    import sys

    bin_dir.mkdir(parents=True, exist_ok=True)
    launcher, script = bin_dir / "anniv", bin_dir / "anniv-py"
    launcher.write_bytes((REPO / "anniv" / "anniv").read_bytes())
    text = (REPO / "anniv" / "anniv-py").read_text(encoding="utf-8")
    assert text.startswith("#!python\n")
    script.write_text(f"{first_line or '#!' + sys.executable}\n{text.split(chr(10), 1)[1]}", encoding="utf-8")
    launcher.chmod(0o755)
    script.chmod(0o755)
    return launcher


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    """The ``anniv`` launcher in a scripts folder of its own (see ``install_command``)."""
    return install_command(tmp_path / "bin")
