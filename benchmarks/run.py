"""Benchmarks: anniv against remind and calendar(1) on the same synthetic events.

    python benchmarks/run.py                      # 1k, 10k and 100k events, 5 interleaved rounds
    python benchmarks/run.py --sizes 1000 10000 --reps 9

Generates the catalogues (``benchmarks/generate.py``) under ``benchmarks/out/`` when missing,
then, for each size, runs in interleaved rounds:

- ``anniv due --next 30d --format json`` with a warm cache, and cold (``ANNIV_CACHE_DIR`` set
  to a new empty folder each time);
- ``remind -q -g -t30 FILE DATE``: every reminder due from DATE through the next 30 days,
  sorted by date (``-g``), like anniv's listing; plain ``remind -q -t30`` (unsorted) is shown too;
- ``calendar -A 30 -t YYYYMMDD -f FILE``;
- ``python -c pass`` with the same interpreter, for reference, and ``python -S -c pass`` (no site
  module), the start the installed command's launcher asks for.

It prints medians of wall time (and its range over the rounds) and of CPU time (user + system,
from the child's rusage; steadier on a busy machine), ratios, the warm ÷ remind ratio round by
round (min, median, max), peak memory (the child's maxrss), cold load per record, what the next
run re-parses after one file of the largest catalogue changes, ``anniv due`` on the bundled
catalogue with table output on a terminal (through ``script``), and export throughput: anniv's
feed writer (``ics.Writer``, what ``anniv export`` runs) against icalendar's component model on
the same anniversaries, checked byte-identical. Nothing is installed; remind and calendar(1) are skipped if missing.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import generate  # noqa: E402


@dataclass
class Sample:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    lines: int = 0

    def med(self) -> tuple[float, float]:
        return statistics.median(self.wall), statistics.median(self.cpu)


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int, bytes]:
    """Run ``cmd``; return wall seconds, CPU seconds (user+sys), peak RSS in KB and stdout.

    Linux carries a process's peak RSS across fork and exec, so a child of this (large)
    process would report at least our own peak; the peak is therefore taken by GNU time
    (``/usr/bin/time -f %M``), a small process that runs the command, when it is installed."""
    timer = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as rss:
        full = [timer, "-f", "%M", "-o", rss.name, *cmd] if timer else cmd
        exe = shutil.which(full[0]) or full[0]
        actions = [(os.POSIX_SPAWN_DUP2, out.fileno(), 1), (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)]
        t0 = time.perf_counter()
        pid = os.posix_spawn(exe, full, dict(os.environ if env is None else env), file_actions=actions)
        _, status, ru = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise SystemExit(f"failed ({code}): {' '.join(cmd)}")
        out.seek(0)
        peak = int(rss.read().split()[-1]) if timer else ru.ru_maxrss
        return wall, ru.ru_utime + ru.ru_stime, peak, out.read()


def anniv_cmd(py: str) -> list[str]:
    """The checkout's ``anniv`` command as pip installs it: the launcher (``anniv/anniv``)
    beside the script (``anniv/anniv-py``) whose first line names ``py``, in
    ``benchmarks/out/bin``, run with PYTHONPATH at this repository. (``python -m anniv`` would
    add runpy's imports and the site module, which the installed command does not pay.)"""
    folder = OUT / "bin"
    folder.mkdir(parents=True, exist_ok=True)
    launcher, script = folder / "anniv", folder / "anniv-py"
    text = (REPO / "anniv" / "anniv-py").read_text(encoding="utf-8")
    script.write_text(f"#!{py}\n" + text.split("\n", 1)[1], encoding="utf-8")
    shutil.copyfile(REPO / "anniv" / "anniv", launcher)
    launcher.chmod(0o755)
    script.chmod(0o755)
    return [str(launcher)]


def anniv_env(cache: Path) -> dict[str, str]:
    env = dict(os.environ, ANNIV_CACHE_DIR=str(cache), PYTHONPATH=str(REPO))
    env.pop("ANNIV_NO_CACHE", None)
    return env


def ensure_data(n: int, seed: int, today: date) -> Path:
    folder = OUT / f"n{n}"
    stamp = folder / "stamp"
    want = f"{n} {seed} {today.isoformat()} {(HERE / 'generate.py').stat().st_mtime_ns}"
    if not stamp.is_file() or stamp.read_text() != want:
        print(f"generating {n} events ...", file=sys.stderr)
        generate.generate(n, seed, today, OUT)
        stamp.write_text(want)
    return folder


def fmt_ms(s: float) -> str:
    return f"{s * 1000:,.1f} ms"


def bench_size(n: int, folder: Path, today: date, reps: int, py: str) -> dict[str, Sample]:
    data = folder / "data"
    warm_cache = OUT / "cache-warm"
    due = [
        *anniv_cmd(py),
        "due",
        "--data",
        str(data),
        "--today",
        today.isoformat(),
        "--next",
        "30d",
        "--format",
        "json",
    ]
    measure(due, anniv_env(warm_cache))  # prime the warm cache
    cmds: dict[str, tuple[list[str], dict[str, str] | None]] = {
        "anniv warm": (due, anniv_env(warm_cache)),
        "anniv cold": (due, None),
        "python -c pass": ([py, "-c", "pass"], None),
        "python -S -c pass": ([py, "-S", "-c", "pass"], None),  # the start the launcher asks for
    }
    if shutil.which("remind"):
        cmds["remind -g -t30"] = (["remind", "-q", "-g", "-t30", str(folder / "remind.rem"), today.isoformat()], None)
        cmds["remind -t30 (unsorted)"] = (["remind", "-q", "-t30", str(folder / "remind.rem"), today.isoformat()], None)
    if shutil.which("calendar"):
        cmds["calendar -A 30"] = (
            ["calendar", "-A", "30", "-t", today.strftime("%Y%m%d"), "-f", str(folder / "calendar.txt")],
            None,
        )
    samples = {k: Sample() for k in cmds}
    for r in range(reps):
        names = list(cmds)
        names = names[r % len(names) :] + names[: r % len(names)]  # rotate the order each round
        for name in names:
            cmd, env = cmds[name]
            if name == "anniv cold":
                tmp = Path(tempfile.mkdtemp(prefix="anniv-cold-"))
                try:
                    wall, cpu, rss, out = measure(cmd, anniv_env(tmp))
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
            else:
                wall, cpu, rss, out = measure(cmd, env)
            s = samples[name]
            s.wall.append(wall)
            s.cpu.append(cpu)
            s.rss_kb.append(rss)
            s.lines = (
                out.count(b'"event_id"')
                if name.startswith("anniv")
                else len([x for x in out.splitlines() if x.strip() and not x.startswith(b"Reminders for")])
            )
        print(f"  n={n} round {r + 1}/{reps} done", file=sys.stderr)
    return samples


def report_size(n: int, samples: dict[str, Sample]) -> None:
    print(f"\n### {n:,} events\n")
    print("| command | median wall | wall min–max | median CPU | peak RSS | lines |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, s in samples.items():
        w, c = s.med()
        spread = f"{min(s.wall) * 1000:,.1f}–{max(s.wall) * 1000:,.1f} ms"
        print(f"| {name} | {fmt_ms(w)} | {spread} | {fmt_ms(c)} | {max(s.rss_kb) / 1024:.0f} MB | {s.lines} |")
    aw, ac = samples["anniv warm"].med()
    cw, cc = samples["anniv cold"].med()
    for other in ("remind -g -t30", "remind -t30 (unsorted)", "calendar -A 30"):
        if other in samples:
            ow, oc = samples[other].med()
            print(
                f"\nanniv warm / {other}: {aw / ow:.2f}x wall, {ac / oc:.2f}x CPU; anniv cold / {other}: {cw / ow:.2f}x wall",
                end="",
            )
    print()
    if "remind -g -t30" in samples:
        # each round ran both commands close together: the spread of their ratio shows the noise
        per_round = sorted(a / r for a, r in zip(samples["anniv warm"].cpu, samples["remind -g -t30"].cpu, strict=True))
        print(
            f"\nanniv warm / remind -g -t30 by CPU time, round by round: min {per_round[0]:.2f}x, "
            f"median {statistics.median(per_round):.2f}x, max {per_round[-1]:.2f}x"
        )


def cold_load(n: int, data: Path, py: str, reps: int) -> tuple[float, float]:
    """Median µs per record of a cold load, two ways: through the index into an empty cache
    folder (``load_catalog(data)``: parse, encode, write the index; what the first ``anniv
    due`` on a folder waits for, worker processes included), and eager with no cache
    (``load_catalog(data, use_cache=False)``: one process building every Event, as ``anniv
    check`` and ``ANNIV_NO_CACHE=1`` do)."""
    code = (
        "import os,sys,time,tempfile; from pathlib import Path\n"
        "os.environ['ANNIV_CACHE_DIR']=tempfile.mkdtemp(prefix='anniv-coldload-')\n"
        "from anniv.catalog import load_catalog\n"
        "indexed = sys.argv[2] == 'index'\n"
        "t=time.perf_counter(); c=load_catalog(Path(sys.argv[1]), use_cache=indexed); t=time.perf_counter()-t\n"
        "import shutil; shutil.rmtree(os.environ['ANNIV_CACHE_DIR'])\n"
        "print(t, sum(f[3] for f in c._files) if indexed else len(c.events))"
    )
    out_of: dict[str, list[float]] = {"index": [], "eager": []}
    for _ in range(reps):
        for how, times in out_of.items():
            _, _, _, out = measure([py, "-c", code, str(data), how], anniv_env(OUT / "unused-cache"))
            t, count = out.split()
            times.append(float(t) / int(count) * 1e6)
    return statistics.median(out_of["index"]), statistics.median(out_of["eager"])


def reparse_one(data: Path, py: str) -> None:
    """Change one file of the catalogue; the next load must re-parse that file alone."""
    cache = OUT / "cache-edit"
    code = (
        "import sys,time; from pathlib import Path; from anniv import catalog\n"
        "t=time.perf_counter(); c=catalog.load_catalog(Path(sys.argv[1])); t=time.perf_counter()-t\n"
        "print(f'{t:.3f}', len(catalog.LAST_REPARSED), ' '.join(Path(p).name for p in catalog.LAST_REPARSED))"
    )
    env = anniv_env(cache)
    measure([py, "-c", code, str(data)], env)
    files = sorted(data.glob("*.yaml"))
    victim = files[len(files) // 2]
    original = victim.read_bytes()
    try:
        victim.write_bytes(original + b"\n# edited by benchmarks/run.py\n")
        _, _, _, out = measure([py, "-c", code, str(data)], env)
        secs, count, names = (out.decode().split(" ", 2) + [""])[:3]
        print(
            f"\nAfter editing {victim.name} ({len(files)} files): next load took {float(secs) * 1000:,.0f} ms and re-parsed {count} file(s): {names.strip()}"
        )
        _, _, _, out = measure([py, "-c", code, str(data)], env)
        secs, count, _ = (out.decode().split(" ", 2) + [""])[:3]
        print(f"The load after that (nothing changed): {float(secs) * 1000:,.1f} ms, re-parsed {count} file(s)")
    finally:
        victim.write_bytes(original)


def terminal_table(py: str, today: date, reps: int) -> None:
    """``anniv due`` on the bundled catalogue, table output on a terminal (``script`` gives a pty)."""
    if not shutil.which("script"):
        print("\nskipped: script(1) not available for the terminal measurement")
        return
    env = anniv_env(OUT / "cache-bundled")
    line = f"{shlex.join(anniv_cmd(py))} due --today {today.isoformat()}"
    measure(["script", "-qec", line, "/dev/null"], env)
    runs = {
        "anniv due (table, terminal)": shlex.join(["script", "-qec", line, "/dev/null"]),
        "python -c pass (terminal)": shlex.join(["script", "-qec", f"{py} -c pass", "/dev/null"]),
    }
    res: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(reps):
        for name, shell in runs.items():
            wall, _, _, _ = measure(["sh", "-c", shell], env)
            res[name].append(wall)
    print("\n### Bundled catalogue, `anniv due` with table output on a terminal\n")
    for name, walls in res.items():
        print(f"- {name}: median {fmt_ms(statistics.median(walls))} (whole process, via script -qec)")


def export_bench(n: int, folder: Path, today: date) -> None:
    """anniv's feed writer against icalendar's component model, on the same anniversaries.

    Ours is what ``anniv export`` runs for one feed (``ics.Writer.calendar``: event facts,
    escaping, folding, the VCALENDAR around them); theirs builds the same ``ics.entry``
    content and serialises it through icalendar's component objects (``anniv.ics_oracle``).
    Both start from the same list of anniversaries. Ours takes seconds and theirs a minute,
    so ours runs three times (once before theirs, twice after) and its median is compared: one
    spike of load on this shared machine then cannot decide the ratio."""
    try:
        from anniv import ics

        needed = ("Writer", "entry", "feed_order")
        if not all(hasattr(ics, name) for name in needed):
            raise ImportError("anniv.ics lacks " + ", ".join(x for x in needed if not hasattr(ics, x)))
    except ImportError as exc:
        print(f"\nexport: skipped: anniv.ics not available ({exc})")
        return
    try:
        import icalendar  # noqa: F401  (only to see that it is installed)
    except ImportError:
        print("\nexport: skipped: icalendar not installed")
        return

    from anniv import engine, ics_oracle
    from anniv.catalog import load_catalog

    cat = load_catalog(folder / "data", use_cache=False, progress=False)
    q = engine.Query(date(today.year, 1, 1), date(today.year, 12, 31), today)
    found = sorted((a for a in cat.query(q) if a.precision == "day"), key=ics.feed_order)
    name, desc = "Benchmark feed", "All anniversaries of the synthetic catalogue, one year"

    def ours() -> bytes:
        return ics.Writer("en", 7).calendar(name, desc, found)[0]

    def theirs() -> bytes:
        return ics_oracle.build(name, desc, [ics.entry(a, "en", 7) for a in found])

    def timed(fn: Callable[[], bytes]) -> tuple[float, bytes]:
        t0 = time.perf_counter()
        out = fn()
        return time.perf_counter() - t0, out

    first, a = timed(ours)
    t_theirs, b = timed(theirs)
    runs = [first, timed(ours)[0], timed(ours)[0]]
    t_ours = statistics.median(runs)
    same = "byte-identical" if a == b else f"DIFFERENT ({len(a)} vs {len(b)} bytes)"
    print(f"\n### Export, {len(found):,} VEVENTs (one year of the {n:,}-event catalogue)\n")
    print(
        f"- anniv.ics writer: {fmt_ms(t_ours)} median of 3 ({len(found) / t_ours:,.0f} VEVENTs/s; "
        f"runs {', '.join(fmt_ms(r) for r in runs)})"
    )
    print(f"- icalendar component model: {fmt_ms(t_theirs)} ({len(found) / t_theirs:,.0f} VEVENTs/s)")
    print(f"- ratio: {t_theirs / t_ours:.1f}x faster; output {same}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    p.add_argument("--reps", type=int, default=5, help="interleaved rounds per size (default 5)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--today", type=date.fromisoformat, default=date(2025, 10, 1), help="the pinned day for every tool")
    p.add_argument(
        "--export-size", type=int, default=None, help="catalogue for the export benchmark (default: the largest size)"
    )
    p.add_argument("--no-export", action="store_true")
    args = p.parse_args(argv)
    os.chdir(REPO)
    py = sys.executable  # as given: a virtual environment's python keeps its site-packages
    print(
        f"# anniv benchmarks ({date.today()}, Python {sys.version.split()[0]} at {py}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})"
    )
    # pip compiles a package's modules when it installs them; do the same for the checkout, or
    # with PYTHONDONTWRITEBYTECODE=1 every measured run would compile anniv from source first
    import compileall

    compileall.compile_dir(str(REPO / "anniv"), quiet=1)
    folders = {n: ensure_data(n, args.seed, args.today) for n in args.sizes}
    for n, folder in folders.items():
        report_size(n, bench_size(n, folder, args.today, args.reps, py))
    print("\n### Cold load, µs per record (the fast reader, libyaml for what it declines; gc paused)\n")
    for n, folder in folders.items():
        indexed, eager = cold_load(n, folder / "data", py, 1 if n >= 100000 else 3)
        print(
            f"- {n:,} events: {indexed:,.0f} µs/record through the index into an empty cache (the first `anniv due`), "
            f"{eager:,.0f} µs/record eager without a cache (`anniv check`)"
        )
    biggest = max(folders)
    reparse_one(folders[biggest] / "data", py)
    terminal_table(py, args.today, args.reps)
    if not args.no_export:
        size = args.export_size or biggest
        export_bench(size, folders.get(size) or ensure_data(size, args.seed, args.today), args.today)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
