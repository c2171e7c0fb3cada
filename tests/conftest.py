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
