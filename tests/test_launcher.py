"""The installed command: the shell launcher ``anniv/anniv`` starts the Python named on the first
line of ``anniv/anniv-py`` (which pip fills in) with ``-S``, so a quick answer costs neither the
site module nor os; whatever needs the full command line gets site after all. Layouts the
launcher cannot read are left to the kernel and the script's own first line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, install_command

pytestmark = pytest.mark.skipif(
    os.name != "posix" or any(ch.isspace() for ch in sys.executable),
    reason="a #! line cannot name an interpreter whose path has a space, and the launcher is a POSIX shell script",
)

DATA = REPO / "tests" / "data" / "feeds" / "calendars"
DUE = ["due", "--data", str(DATA), "--today", "2025-10-01", "--next", "60d", "--format", "json"]


def launch(command: Path | list[str], argv: list[str], *, path: bool = True, **env: str) -> tuple[str, set[str]]:
    """Run ``command`` with ``argv`` (this checkout on ``PYTHONPATH`` unless ``path`` is false):
    its stdout, and the modules it imported (``PYTHONPROFILEIMPORTTIME``)."""
    environ = dict(os.environ, PYTHONPROFILEIMPORTTIME="1", **env)
    environ.pop("PYTHONPATH", None)
    if path:
        environ["PYTHONPATH"] = str(REPO)
    cmd = [str(command)] if isinstance(command, Path) else command
    proc = subprocess.run([*cmd, *argv], capture_output=True, text=True, env=environ, check=False, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    modules = {ln.rsplit("|", 1)[1].strip() for ln in proc.stderr.splitlines() if ln.startswith("import time:")}
    return proc.stdout, modules - {"imported package"}


def full_path(command: Path, argv: list[str], **env: str) -> str:
    out, modules = launch(command, argv, ANNIV_QUICK="0", **env)
    assert "anniv.cli" in modules
    return out


def test_a_quick_answer_runs_without_site_and_without_os(installed: Path) -> None:
    launch(installed, DUE)  # the first run writes the index
    out, modules = launch(installed, DUE)
    assert "anniv.quick" in modules and "anniv.cli" not in modules  # the quick path answered
    assert not modules & {"site", "os", "_collections_abc", "posixpath"}, modules
    assert out == full_path(installed, DUE) and json.loads(out)


def test_the_full_command_line_gets_the_site_module_after_all(installed: Path) -> None:
    """PyYAML is found through site (the venv's packages folder), not ``PYTHONPATH``."""
    out, modules = launch(installed, ["show", "cpv-entry"], ANNIV_NO_CACHE="1")
    assert {"site", "yaml", "anniv.cli"} <= modules
    assert out.startswith("cpv-entry: China enters the Korean War")
    out, modules = launch(installed, ["check", "--data", str(DATA)])
    assert "site" in modules


def test_a_first_line_with_flags_is_left_to_the_kernel(tmp_path: Path) -> None:
    command = install_command(tmp_path / "bin", f"#!{sys.executable} -u")
    launch(command, DUE)
    out, modules = launch(command, DUE)
    assert "site" in modules and "anniv.quick" in modules and "anniv.cli" not in modules
    assert out == full_path(command, DUE)


def test_a_link_to_the_launcher_finds_the_script_beside_its_target(installed: Path, tmp_path: Path) -> None:
    link = tmp_path / "elsewhere" / "anniv"
    link.parent.mkdir()
    link.symlink_to(installed)
    launch(link, DUE)
    out, modules = launch(link, DUE)
    assert "site" not in modules and "anniv.quick" in modules
    assert out == full_path(installed, DUE)


def test_the_launcher_run_by_sh_from_its_own_folder(installed: Path) -> None:
    environ = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run(["sh", "anniv", *DUE], capture_output=True, text=True, env=environ, cwd=installed.parent)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout == full_path(installed, DUE)


@pytest.mark.parametrize("folder", ["site-packages", "dist-packages"])
def test_the_packages_folder_paired_with_the_scripts_folder_is_found_without_site(tmp_path: Path, folder: str) -> None:
    """bin/ beside lib/pythonX.Y/site-packages/ (a venv, ``--user``, a prefix) or
    dist-packages/ (Debian's system installs): the quick path imports anniv from there with no
    site module and no ``PYTHONPATH``."""
    command = install_command(tmp_path / "prefix" / "bin")
    packages = tmp_path / "prefix" / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / folder
    packages.mkdir(parents=True)
    (packages / "anniv").symlink_to(REPO / "anniv")
    launch(command, DUE, path=False)
    out, modules = launch(command, DUE, path=False)
    assert "site" not in modules and "anniv.quick" in modules and "anniv.cli" not in modules
    assert out == full_path(command, DUE)
    out, modules = launch(command, ["show", "cpv-entry"], path=False, ANNIV_NO_CACHE="1")  # through site
    assert {"site", "yaml"} <= modules and out.startswith("cpv-entry:")


def test_an_install_the_launcher_cannot_pair_gets_the_site_module(tmp_path: Path) -> None:
    """No packages folder beside the scripts folder (an editable install, a distribution's
    dist-packages): anniv is found by the site module, as this interpreter finds it."""
    where = subprocess.run(
        [sys.executable, "-c", "import anniv.quick; print(anniv.quick.__file__)"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        cwd=tmp_path,
        check=False,
    ).stdout.strip()
    if not where or Path(where).read_bytes() != (REPO / "anniv" / "quick.py").read_bytes():
        pytest.skip("this interpreter's site does not find this checkout's anniv")
    command = install_command(tmp_path / "bin")
    launch(command, DUE, path=False)
    out, modules = launch(command, DUE, path=False)
    assert "site" in modules and "anniv.quick" in modules and "anniv.cli" not in modules
    assert out == full_path(command, DUE)


def test_a_launcher_without_its_script_says_what_to_do(installed: Path) -> None:
    (installed.parent / "anniv-py").unlink()
    proc = subprocess.run([installed, *DUE], capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "anniv-py is missing" in proc.stderr and "reinstall anniv" in proc.stderr
