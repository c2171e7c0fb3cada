"""The one family of errors anniv raises on purpose.

Each error owns its exit code; ``cli.main`` turns any of them into a message and that code, once.
Data problems carry a location so the message reads ``PATH:LINE:COL: what is wrong``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong in a data file, at a 1-based line and column (0 when unknown)."""

    path: str
    line: int
    col: int
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}:{self.col}"
        label = "" if self.severity == "error" else "warning: "
        return f"{where}: {label}{self.message}"


class AnnivError(Exception):
    """Base class: a message for the user and the exit code that goes with it."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(AnnivError):
    """The command line asked for something impossible (exit 2, like argparse)."""

    exit_code = 2


class DataError(AnnivError):
    """The catalogue cannot be used; ``problems`` lists every located reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class DateRangeError(AnnivError):
    """A date computation left the range its tables cover (e.g. Korean lunar after 2050)."""
