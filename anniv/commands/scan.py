"""anniv scan FILE...: check the anniversary claims in files of copy, with line numbers.

The same checks as ``anniv verify``, over whole files (``-`` reads standard input). Each file
finds its own reference date: --published, else its dateline, else today. Output lines read
``FILE:LINE:COL: verdict: "claim" — message``. Exit 1 when any claim is wrong (with --strict,
also when any is unknown or ambiguous).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from anniv.cli import Context

ORDER = 61
HELP = "check the anniversary claims in files of copy (- reads stdin), with line numbers"
MAX_BYTES = 10 * 1024 * 1024


def add_arguments(p: argparse.ArgumentParser) -> None:
    from anniv.commands.verify import add_claim_options

    p.add_argument("files", nargs="+", metavar="FILE", help="text files to check; - reads standard input")
    add_claim_options(p)


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def read(name: str, ctx: Context) -> str:
    from anniv.errors import AnnivError

    if name == "-":
        if ctx.stdin is None:
            raise AnnivError("-: no standard input to read")
        return ctx.stdin.read()
    path = Path(name)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise AnnivError(f"{name}: larger than {MAX_BYTES // 1_048_576} MB; split it")
        data = path.read_bytes()
    except FileNotFoundError:
        raise AnnivError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise AnnivError(f"{name}: is a folder; give the files in it") from None
    except OSError as exc:
        raise AnnivError(f"{name}: cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = line_col(data[: exc.start].decode("utf-8", "replace"), exc.start)
        raise AnnivError(f"{name}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x})") from None


def run(args: argparse.Namespace, ctx: Context) -> int:
    from anniv import claims, render
    from anniv.commands.verify import describe, exit_code, index, published

    idx = index(ctx)
    pub = published(args)
    rows: list[dict[str, Any]] = []
    everything: list[claims.Claim] = []
    texts = [(name, read(name, ctx)) for name in args.files]
    for name, text in texts:
        found = claims.check_text(text, idx, pub, ctx.today)
        everything += found
        for c in found:
            line, col = line_col(text, c.start)
            if args.format == "json":
                rows.append({**c.as_dict(), "file": name, "line": line, "column": col})
            else:
                ctx.out(f'{name}:{line}:{col}: {c.verdict}: "{c.text}"\n')
                ctx.out("\n".join(describe(c, "    ")) + "\n")
        if args.format != "json":
            ref = f"reference date {found[0].reference_date} ({found[0].reference_source})" if found else "no claims"
            ctx.out(f"{name}: {ref}; {claims.summarize(found)}\n")
    if args.format == "json":
        ctx.out(render.to_json(rows))
    elif len(texts) > 1:
        ctx.out(f"All files: {claims.summarize(everything)}\n")
    return exit_code(everything, args.strict)
