"""Atomic writes (engine/atomicfile.py): a replaced file keeps its mode and owner, a new one gets the
mode `open()` would give it, a reader never sees half a file, and the temp files of a killed writer are
cleaned up by the next write. Asserted on the files on disk, as `ls -l` shows them."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import Runbook, load_runbook, save_runbook
from engine.atomicfile import STALE_AFTER_S, write_atomically
from engine.format.model import FORMAT

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes and owners are POSIX")

RUNBOOK = {"format": FORMAT, "name": "Modes",
           "activities": [{"id": "start", "type": "core.initialize_data", "name": "Start"}]}


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask() -> Iterator[None]:
    """A umask that neither 0644 nor 0600 comes from, restored after the test."""
    old = os.umask(0o027)
    yield
    os.umask(old)


def temps_beside(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.endswith(".tmp"))


@posix_only
def test_a_replaced_file_keeps_its_mode(tmp_path, umask):
    path = tmp_path / "shared.json"
    path.write_text("old\n")
    path.chmod(0o644)
    write_atomically(path, "new\n")
    assert path.read_text() == "new\n"
    assert oct(mode_of(path)) == oct(0o644)
    path.chmod(0o604)  # any mode, not just a usual one
    write_atomically(path, "newer\n")
    assert oct(mode_of(path)) == oct(0o604)


@posix_only
def test_a_new_file_gets_the_mode_open_gives_it(tmp_path, umask):
    path = tmp_path / "fresh.json"
    write_atomically(path, "{}\n")
    reference = tmp_path / "opened.json"
    reference.write_text("{}\n")  # what open() makes under the same umask: 0666 & ~0027
    assert oct(mode_of(path)) == oct(mode_of(reference)) == oct(0o640)


@posix_only
def test_a_runbook_saved_over_a_0644_file_stays_0644(tmp_path, umask):
    """The designer's save and every other save go through save_runbook."""
    path = tmp_path / "book.json"
    save_runbook(Runbook.model_validate(RUNBOOK), path)
    path.chmod(0o644)
    book = load_runbook(path)
    book.name = "Modes, renamed"
    save_runbook(book, path)
    assert oct(mode_of(path)) == oct(0o644)
    assert load_runbook(path).name == "Modes, renamed"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="giving a file away needs root")
def test_as_root_a_replaced_file_keeps_its_owner_and_group(tmp_path):
    path = tmp_path / "theirs.json"
    path.write_text("old\n")
    os.chown(path, 4321, 4322)
    write_atomically(path, "new\n")
    st = path.stat()
    assert (st.st_uid, st.st_gid) == (4321, 4322)


def test_a_symlinked_file_is_written_through_the_link(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_atomically(link, "new\n")
    assert link.is_symlink() and target.read_text() == "new\n"


def test_a_reader_never_sees_a_partial_file(tmp_path):
    path = tmp_path / "big.json"
    versions = [("a" * 2_000_000) + "\n", ("b" * 3_000_000) + "\n"]
    path.write_text(versions[0])
    seen: set[int] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.add(len(path.read_text()))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for n in range(20):
            write_atomically(path, versions[n % 2])
    finally:
        stop.set()
        reader.join()
    assert seen <= {len(v) for v in versions}


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "keep.json"
    path.write_text("old\n")

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space left"):
        write_atomically(path, "new\n")
    assert path.read_text() == "old\n"
    assert temps_beside(path) == []


def dead_pid() -> int:
    """The pid of a process that has ended (as a killed writer's has)."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return int(child.stdout)


def leave_temp(path: Path, pid: int, age_s: float) -> Path:
    """A temp file as a writer killed before its rename leaves it, `age_s` seconds old."""
    temp = path.with_name(f".{path.name}.{pid}.0123abcd.tmp")
    temp.write_text('{"half": ')
    past = time.time() - age_s
    os.utime(temp, (past, past))
    return temp


@posix_only
def test_the_next_write_removes_a_killed_writers_stale_temp(tmp_path):
    path = tmp_path / "lab.json"
    path.write_text("{}\n")
    stale = leave_temp(path, dead_pid(), STALE_AFTER_S + 5)
    write_atomically(path, '{"vms": []}\n')
    assert not stale.exists()
    assert temps_beside(path) == []
    assert path.read_text() == '{"vms": []}\n'


@posix_only
def test_a_live_writers_temp_and_a_young_temp_are_kept(tmp_path):
    path = tmp_path / "lab.json"
    path.write_text("{}\n")
    live = leave_temp(path, os.getpid(), STALE_AFTER_S + 5)  # its writer still runs
    young = leave_temp(path.with_name("other.json"), dead_pid(), 1)  # another file's, and recent
    just_died = path.with_name(f".{path.name}.{dead_pid()}.fedc4321.tmp")
    just_died.write_text("")  # a writer that died a moment ago: left for a later write
    write_atomically(path, "{}\n")
    assert live.exists() and young.exists() and just_died.exists()


def test_files_that_only_look_like_temps_are_kept(tmp_path):
    path = tmp_path / "lab.json"
    path.write_text("{}\n")
    others = [tmp_path / name for name in (".lab.json.notes.tmp", "lab.json.tmp", ".lab.json.1.x.tmp",
                                           ".lab.jsonx.12.0123abcd.tmp")]
    past = time.time() - 10 * 24 * 3600
    for other in others:
        other.write_text("mine")
        os.utime(other, (past, past))
    write_atomically(path, "{}\n")
    assert all(other.exists() for other in others)
