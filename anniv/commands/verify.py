"""anniv verify "TEXT": find anniversary claims in English copy and check their numbers.

Forms found: "75th anniversary of …", "the 75 th anniversary", "seventy-fifth anniversary",
"75 years since/after …", "75 years ago (today)", "marks 75 years", "centenary/centennial/
bicentenary/sesquicentennial of …", "diamond/golden/silver jubilee", "1,000 days since …",
and "anniversary of the …, on July 27, 1953".

The reference date is --published, else a dateline at the head of the text ("SEOUL, July 27
(Yonhap) —", "Oct. 25, 2025"), else today. The event is a full date written in the sentence,
else the catalogue matched on titles and aliases. Verdicts: ok, wrong (with the right number
and the arithmetic), unknown (no event found — never a guess), ambiguous (two events fit and
give different numbers). Exit 1 when any claim is wrong (with --strict, also when any is
unknown or ambiguous).
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from anniv.claims import Claim, EventIndex
    from anniv.cli import Context

ORDER = 60
HELP = "check the anniversary claims in a sentence of copy"


def add_claim_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--published", metavar="YYYY-MM-DD", help="the copy's publication date (default: its dateline, else today)"
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    p.add_argument("--strict", action="store_true", help="also exit 1 when a claim is unknown or ambiguous")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", nargs="+", metavar="TEXT", help="the copy to check (quote it; several words are joined)")
    add_claim_options(p)


def published(args: argparse.Namespace) -> date | None:
    from anniv.commands._common import _day

    return _day(args.published, "--published") if args.published else None


def index(ctx: Context) -> EventIndex:
    from anniv.claims import EventIndex
    from anniv.commands import _common

    return EventIndex(_common.load(ctx).events)


def exit_code(claims: list[Claim], strict: bool) -> int:
    bad = {"wrong", "unknown", "ambiguous"} if strict else {"wrong"}
    return 1 if any(c.verdict in bad for c in claims) else 0


def describe(c: Claim, indent: str = "  ") -> list[str]:
    """Lines under a claim's heading: the event (with confidence and runner-up), the verdict's
    message, and notes."""
    lines = []
    if c.event_id:
        conf = f", confidence {c.confidence:.2f}" if c.confidence is not None else ""
        lines.append(f"{indent}event: {c.event_id} — {c.event_title} ({c.event_date}){conf}")
    elif c.event_date:
        lines.append(f"{indent}event: dated in the copy ({c.event_date}); no catalogue record")
    if c.runner_up:
        lines.append(f"{indent}runner-up: {c.runner_up[0]} ({c.runner_up[1]:.2f})")
    lines.append(f"{indent}{c.message}")
    lines += [f"{indent}note: {n}" for n in c.notes]
    return lines


def run(args: argparse.Namespace, ctx: Context) -> int:
    from anniv import claims, render

    text = " ".join(args.text)
    found = claims.check_text(text, index(ctx), published(args), ctx.today)
    if args.format == "json":
        ctx.out(render.to_json([c.as_dict() for c in found]))
        return exit_code(found, args.strict)
    for c in found:
        ctx.out(f'{c.verdict}: "{c.text}" (characters {c.start}–{c.end})\n')
        ctx.out("\n".join(describe(c)) + "\n")
    if found:
        ctx.out(f"Reference date {found[0].reference_date if all(x.reference_source == found[0].reference_source for x in found) else 'varies'}"
                f" ({found[0].reference_source}). {claims.summarize(found)}\n")  # fmt: skip
    else:
        ctx.out(claims.summarize(found) + "\n")
    return exit_code(found, args.strict)
