"""Atomic, durable writes: one helper writes every file, and SIGKILL never leaves half a file.

The kill tests run a writer in a child process, kill it with SIGKILL after a random delay
(seeded, so a failure can be replayed), and then look at what is on disk: every file must be
exactly one of the versions that were being written, whole.
"""

from __future__ import annotations

import ast
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from anniv import fsutil
from anniv.fsutil import atomic_write

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "anniv"
KILLS = int(os.environ.get("ANNIV_KILLS", "30"))
SEED = int(os.environ.get("ANNIV_KILL_SEED", "20251025"))

# -- only fsutil writes --------------------------------------------------------------------------

_ALWAYS = {
    "write_text",
    "write_bytes",
    "mkstemp",
    "mkdtemp",
    "NamedTemporaryFile",
    "TemporaryFile",
    "SpooledTemporaryFile",
    "fdopen",
    "truncate",
    "symlink_to",
    "hardlink_to",
    "link_to",
}
_MODULES = {
    "shutil": {"copy", "copy2", "copyfile", "copyfileobj", "copytree", "move", "make_archive", "unpack_archive"},
    "os": {"replace", "rename", "renames", "link", "symlink", "truncate", "write", "fdopen", "mkfifo"},
}


def _mode_of(call: ast.Call, position: int) -> str:
    """The mode given to open()/Path.open(): 'r' when none is written, '?' when not a constant."""
    for kw in call.keywords:
        if kw.arg == "mode":
            return str(kw.value.value) if isinstance(kw.value, ast.Constant) else "?"
    if len(call.args) > position:
        arg = call.args[position]
        return str(arg.value) if isinstance(arg, ast.Constant) else "?"
    return "r"


def writes_in(source: str) -> list[tuple[int, str]]:
    """Every call in ``source`` that opens a file for writing, creates one, or moves one:
    open()/Path.open() with a w/a/x/+ mode, os.open (or posix.open) with write flags, write_text/write_bytes,
    temp files, os.replace/rename, shutil.*, and Path.replace/rename (one argument, unlike
    str.replace)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        fn = node.func
        name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
        owner = fn.value.id if isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name) else ""
        code = ast.unparse(node)
        if name == "open" and owner in ("os", "posix", "_system"):  # _system: posix or os (anniv.cache)
            hit = any(f in code for f in ("O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND", "O_TRUNC"))
        elif name == "open":
            hit = any(c in _mode_of(node, 1 if isinstance(fn, ast.Name) else 0) for c in "wax+?")
        elif owner in _MODULES:
            allowed = _MODULES[owner]
            hit = allowed is None or name in allowed
        elif name in ("replace", "rename"):
            hit = len(node.args) == 1 and not node.keywords
        else:
            hit = name in _ALWAYS
        if hit:
            found.append((node.lineno, code))
    return found


def test_the_write_finder_finds_writes() -> None:
    sample = """
import os, shutil, tempfile
open(p, "w"); open(p, mode="ab"); p.open("wb"); p.write_text("x"); p.write_bytes(b"x")
os.open(p, os.O_WRONLY | os.O_CREAT); os.replace(a, b); shutil.copyfile(a, b); tempfile.mkstemp()
tmp.replace(target); open(p, m)
posix.open(p, posix.O_RDWR)
open(p); open(p, "rb"); p.open(); "a".replace("a", "b"); text.replace("x", "y"); os.open(p, os.O_RDONLY)
_system.open(p, _system.O_RDONLY)
"""
    lines = [code for _, code in writes_in(sample)]
    assert len(lines) == 12, lines


def test_only_fsutil_writes_files() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "fsutil.py" and path.parent == PACKAGE:
            continue
        for line, code in writes_in(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(REPO)}:{line}: {code}")
    assert offenders == [], "write through anniv.fsutil.atomic_write instead:\n" + "\n".join(offenders)


# -- the helper itself ---------------------------------------------------------------------------


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "feed.ics"
    atomic_write(target, b"one")
    atomic_write(target, b"two", mode=0o600)
    assert target.read_bytes() == b"two"
    assert (target.stat().st_mode & 0o777) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["feed.ics"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "feed.ics"
    atomic_write(target, b"old")

    with pytest.raises(TypeError):
        atomic_write(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feed.ics"]


def test_stale_leftovers_are_removed_by_the_next_write_but_fresh_ones_stay(tmp_path: Path) -> None:
    target = tmp_path / "all.ics"
    stale = tmp_path / ".all.ics.abc123.tmp"
    fresh = tmp_path / ".all.ics.def456.tmp"
    other = tmp_path / ".tag-x.ics.abc123.tmp"
    for p in (stale, fresh, other):
        p.write_bytes(b"half a feed")
    old = time.time() - fsutil.STALE_SECONDS - 60
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    atomic_write(target, b"whole")
    assert not stale.exists()
    assert fresh.exists() and other.exists()


# -- SIGKILL during atomic_write -----------------------------------------------------------------

WRITER = """
import sys
from pathlib import Path
from anniv.fsutil import atomic_write

folder = Path(sys.argv[1])
versions = [Path(sys.argv[2]).read_bytes(), Path(sys.argv[3]).read_bytes()]
names = [f"feed-{i}.ics" for i in range(int(sys.argv[4]))]
round_ = 0
while True:
    data = versions[round_ % 2]
    for name in names:
        atomic_write(folder / name, data)
    if round_ == 0:
        (folder / "ready").write_bytes(b"")
    round_ += 1
"""


def _versions(tmp_path: Path) -> tuple[bytes, bytes]:
    rng = random.Random(SEED)
    a = bytes(rng.getrandbits(8) for _ in range(200 * 1024))
    b = bytes(reversed(a))[: 190 * 1024] + b"B" * (10 * 1024)
    (tmp_path / "a.bin").write_bytes(a)
    (tmp_path / "b.bin").write_bytes(b)
    return a, b


def _wait_for(path: Path, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(2000):
        if path.exists() or proc.poll() is not None:
            return
        time.sleep(0.005)


def test_sigkill_never_leaves_half_a_file(tmp_path: Path) -> None:
    a, b = _versions(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    rng = random.Random(SEED)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    seen_a = seen_b = 0
    for kill in range(KILLS):
        ready = out / "ready"
        ready.unlink(missing_ok=True)
        proc = subprocess.Popen(
            [sys.executable, str(script), str(out), str(tmp_path / "a.bin"), str(tmp_path / "b.bin"), "6"], env=env
        )
        _wait_for(ready, proc)
        time.sleep(rng.uniform(0, 0.08))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, f"the writer died on its own (kill {kill})"
        for i in range(6):
            data = (out / f"feed-{i}.ics").read_bytes()
            assert data in (a, b), f"kill {kill}: feed-{i}.ics is {len(data)} bytes, neither version"
            seen_a += data == a
            seen_b += data == b
        leftovers = [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
        assert all(n.startswith(".feed-") for n in leftovers), leftovers
    assert seen_a and seen_b, "the kills never landed between versions; the test proved nothing"


# -- SIGKILL during `anniv export` ---------------------------------------------------------------


def _export_available() -> bool:
    try:
        r = subprocess.run(
            [sys.executable, "-m", "anniv", "export", "--help"], cwd=REPO, capture_output=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


def _data(folder: Path, version: str, events: int = 300) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["calendar: {id: kill, name: Kill test}", "events:"]
    for i in range(events):
        month, day = i % 12 + 1, i % 28 + 1
        lines.append(
            f"  - {{id: e{i}, title: Event {i} {version}, date: {1900 + i % 120}-{month:02d}-{day:02d}, "
            f"summary: Version {version} of event {i}., tags: [t{i % 4}], sources: [{{title: Source {version}}}]}}"
        )
    (folder / "kill.yaml").write_text("\n".join(lines) + "\n")


def _export(data: Path, out: Path, env: dict[str, str], capture: bool = False) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "anniv", "export", "--data", str(data), "--out", str(out), "--today", "2025-10-25"]
    err = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err)


def _inodes(out: Path) -> dict[str, int]:
    return {e.name: e.inode() for e in os.scandir(out) if not e.name.startswith(".")}


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}


@pytest.mark.skipif(not _export_available(), reason="anniv export is not there yet")
def test_sigkill_during_export_leaves_old_or_new_feeds(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "ANNIV_CACHE_DIR": str(tmp_path / "cache")}
    versions: dict[str, dict[str, bytes]] = {}
    elapsed = []
    for v in ("A", "B"):
        _data(tmp_path / f"data-{v}", v)
        t0 = time.monotonic()
        proc = _export(tmp_path / f"data-{v}", tmp_path / f"want-{v}", env, capture=True)
        _, err = proc.communicate(timeout=300)
        elapsed.append(time.monotonic() - t0)
        assert proc.returncode == 0, err.decode()
        versions[v] = _snapshot(tmp_path / f"want-{v}")
    assert versions["A"].keys() == versions["B"].keys()
    assert all(versions["A"][n] != versions["B"][n] for n in versions["A"]), "every feed must differ between versions"
    out = tmp_path / "out"
    proc = _export(tmp_path / "data-A", out, env)
    assert proc.wait(timeout=300) == 0
    rng = random.Random(SEED)
    mixed = 0
    for kill in range(KILLS):
        source = tmp_path / f"data-{'B' if kill % 2 == 0 else 'A'}"
        before = _inodes(out)
        proc = _export(source, out, env)
        if kill % 3:
            # most kills wait for the first feed to be replaced, to land inside the write phase
            while _inodes(out) == before and proc.poll() is None:
                time.sleep(0.0005)
            time.sleep(rng.uniform(0, 0.03))
        else:
            time.sleep(rng.uniform(0, max(elapsed)))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = _snapshot(out)
        assert now.keys() == versions["A"].keys(), f"kill {kill}: feeds went missing or appeared"
        kinds = set()
        for name, data in now.items():
            if data == versions["A"][name]:
                kinds.add("A")
            elif data == versions["B"][name]:
                kinds.add("B")
            else:
                pytest.fail(f"kill {kill}: {name} ({len(data)} bytes) is neither the old nor the new export")
        mixed += len(kinds) == 2
    # the export still works after all that, and the cache it left behind is sound
    proc = _export(tmp_path / "data-B", out, env)
    assert proc.wait(timeout=300) == 0
    assert _snapshot(out) == versions["B"]
    print(f"export kills: {KILLS}, caught mid-export (old and new feeds side by side): {mixed}")


@pytest.mark.parametrize("kernel_copy", ["works", "fails at once", "fails half-way", "missing"])
def test_file_pieces_are_copied_whole_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel_copy: str
) -> None:
    """Binary files among the pieces are copied from their start, by the kernel where it can
    and through memory where it cannot, even after part of a file went the first way."""
    import os
    import tempfile

    first, second = tempfile.TemporaryFile(dir=tmp_path), tempfile.TemporaryFile(dir=tmp_path)
    first.write(b"A" * 300_000)
    second.write(bytes(range(256)) * 1000)
    second.seek(17)  # where a file was left must not matter
    real = os.copy_file_range
    calls = {"n": 0}

    def copy(src: int, dst: int, count: int, offset_src: int | None = None, offset_dst: int | None = None) -> int:
        calls["n"] += 1
        if kernel_copy == "fails at once" or (kernel_copy == "fails half-way" and calls["n"] > 1):
            raise OSError(18, "Invalid cross-device link")
        return real(src, dst, min(count, 100_000), offset_src, offset_dst)

    if kernel_copy == "missing":
        monkeypatch.delattr(os, "copy_file_range")
    else:
        monkeypatch.setattr(os, "copy_file_range", copy)
    target = tmp_path / "index.idx"
    atomic_write(target, [b"head", first, b"middle", second, b"tail"])
    assert target.read_bytes() == b"head" + b"A" * 300_000 + b"middle" + bytes(range(256)) * 1000 + b"tail"
    first.close()
    second.close()
