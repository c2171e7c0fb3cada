"""The command line: parse arguments, read the clock and environment once, print, exit.

Each command lives in ``anniv/commands/NAME.py`` with ``add_arguments(parser)`` and
``run(args, ctx) -> int``; this module owns what they share and is the one place where
``AnnivError`` becomes a message and an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from anniv import __version__
from anniv.errors import AnnivError, DataError, UsageError


def command_names() -> list[str]:
    """The command module names, without importing them."""
    import pkgutil

    from anniv import commands as pkg

    return [info.name for info in pkgutil.iter_modules(pkg.__path__) if not info.name.startswith("_")]


def commands(only: str | None = None) -> list[tuple[str, Any]]:
    """Every ``anniv/commands/NAME.py`` module (or just ``only``), in ``ORDER`` order."""
    found = []
    for name in command_names():
        if only is None or name == only:
            mod = importlib.import_module(f"anniv.commands.{name}")
            found.append((getattr(mod, "ORDER", 99), name.replace("_", "-"), mod))
    return [(name, mod) for _, name, mod in sorted(found, key=lambda t: (t[0], t[1]))]


@dataclass
class Context:
    """What a command may know about the world: the clock, the data, the terminal."""

    today: date
    data_dir: Path
    stdout: IO[str]
    stderr: IO[str]
    is_tty: bool
    color: bool
    env: dict[str, str] = field(default_factory=dict)
    width: int | None = None
    stdin: IO[str] | None = None  # what `-` reads (anniv scan -); None: nothing to read

    def out(self, text: str) -> None:
        self.stdout.write(text)

    def warn(self, text: str) -> None:
        self.stderr.write(text.rstrip("\n") + "\n")

    def terminal(self) -> tuple[int, bool] | None:
        """(width, colour) when stdout is a terminal, else None."""
        return (self.columns(), self.color) if self.is_tty else None

    def columns(self) -> int:
        """The terminal's width (``COLUMNS`` wins), 100 when it cannot be told."""
        import shutil

        if self.width:
            return self.width
        env = self.env.get("COLUMNS", "")
        if env.isdigit() and int(env) >= 40:
            return int(env)
        return shutil.get_terminal_size((100, 24)).columns


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD") from None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The full parser; given ``argv`` naming a command, only that command's module is imported
    (importing all of them costs about 20 ms at every start)."""
    only = None
    if argv:
        first = next((a for a in argv if not a.startswith("-")), None)
        if first is not None and first.replace("-", "_") in command_names():
            only = first.replace("-", "_")
    common = _Parser(add_help=False)
    common.add_argument(
        "--data",
        metavar="DIR",
        type=Path,
        help="folder of calendar files (default: $ANNIV_DATA, else the bundled calendars)",
    )
    common.add_argument(
        "--today", metavar="YYYY-MM-DD", type=_date_arg, help="pin the clock (default: the system date)"
    )
    parser = _Parser(
        prog="anniv",
        description="Historical anniversaries: what is due, what matters, and whether the numbers in copy are right.",
    )
    parser.add_argument("--version", action="version", version=f"anniv {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, mod in commands(only):
        p = sub.add_parser(
            name,
            help=mod.HELP,
            description=mod.__doc__,
            parents=[common],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(_module=mod)
        mod.add_arguments(p)
    return parser


def main(
    argv: list[str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    env: dict[str, str] | None = None,
    stdin: IO[str] | None = None,
    quick: bool = True,
) -> int:
    """Run one command line; with ``quick``, ``anniv.quick`` answers it first when it can."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    environ = dict(os.environ if env is None else env)
    if quick:
        from anniv import quick as quick_path

        status = quick_path.run(sys.argv[1:] if argv is None else argv, environ, out, err)
        if status is not None:
            return status
    try:
        args = build_parser(sys.argv[1:] if argv is None else argv).parse_args(argv)
        if not args.command:
            build_parser().print_help(out)
            return 2
        data = args.data or (Path(environ["ANNIV_DATA"]) if environ.get("ANNIV_DATA") else None)
        if data is None:
            from anniv.catalog import bundled_data_dir

            data = bundled_data_dir()
        is_tty = bool(getattr(out, "isatty", lambda: False)())
        ctx = Context(
            today=args.today or date.today(),
            data_dir=data,
            stdout=out,
            stderr=err,
            is_tty=is_tty,
            color=is_tty and "NO_COLOR" not in environ,
            env=environ,
            stdin=stdin if stdin is not None else sys.stdin,
        )
        return int(args._module.run(args, ctx))
    except DataError as exc:
        err.write(exc.message.rstrip("\n") + "\n")
        return exc.exit_code
    except AnnivError as exc:
        err.write(f"anniv: {exc.message}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        err.write("anniv: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except UnicodeEncodeError as exc:  # the terminal or PYTHONIOENCODING cannot take the text
        err.write(
            f"anniv: the output's encoding ({exc.encoding}) cannot write {exc.object[exc.start : exc.end]!r};"
            " use a UTF-8 locale or set PYTHONIOENCODING=utf-8\n"
        )
        return 1


def main_exit() -> None:
    """Console-script entry point (the installed script starts at ``anniv.quick.main_exit``)."""
    sys.exit(main())
