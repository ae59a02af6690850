"""What every benchmark shares: the database to run on, its figures as JSON, memory, profiles.

- ``--db sqlite|postgres``: a fresh SQLite file, or a database on a temporary PostgreSQL
  server started the way the tests start theirs (tests/support/postgres.py);
- ``--json PATH``: the run's figures as one object, each named figure
  ``{"value", "unit", "baseline", "ratio"}`` (baseline: the same-run reference it is
  compared with, or null);
- ``--profile``: the run's busiest functions (cProfile, by own time), for
  docs/PERFORMANCE.md;
- resident memory of a process (the bench's own, or a server it started), from /proc;
- ``sampled``: py-spy's top functions of another process (or this one) during a block.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

DATABASES = ("sqlite", "postgres")


def arguments(description: str) -> argparse.ArgumentParser:
    """A parser with the options every benchmark takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--db", choices=DATABASES, default="sqlite")
    parser.add_argument("--json", metavar="PATH", help="write the figures to PATH as JSON")
    parser.add_argument("--profile", action="store_true",
                        help="print the busiest functions of the measured work")  # fmt: skip
    return parser


@contextlib.contextmanager
def postgres_server() -> Iterator[Any]:
    """A temporary PostgreSQL server (the machine's server binaries), removed afterwards."""
    from tests.support.postgres import TemporaryPostgres

    server = TemporaryPostgres()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def database(kind: str, name: str = "bench") -> Iterator[str]:
    """A fresh database URL: a SQLite file in a temporary directory, or a new database on a
    temporary PostgreSQL server that lives as long as the ``with``."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"{name}-bench-") as directory:
            yield f"sqlite:///{directory}/{name}.db"
        return
    with postgres_server() as server:
        yield server.create_database()


def resident_mb(pid: int | None = None) -> float:
    """Resident memory (VmRSS) of a process, in MB; this process by default."""
    status = Path(f"/proc/{pid or os.getpid()}/status").read_text()
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children_of(pid: int) -> list[int]:
    """The direct child processes of ``pid`` (e.g. gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry.name))
    return found


def database_server_pids(url: str) -> list[int]:
    """The PostgreSQL server behind ``url`` (the postmaster listening on its port, and its
    backends), or nothing for SQLite, which runs inside the service's own processes."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                command = (entry / "cmdline").read_bytes().split(b"\0")
                listening = f"-p {parsed.port} ".encode() in b" ".join(command)
                if command[0].endswith(b"postgres") and listening:
                    return [int(entry.name), *children_of(int(entry.name))]
    return []


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds each of ``pids`` has used so far (a gone process: left out)."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            # /proc/PID/stat after the command's ")": state is field 3, utime 14, stime 15.
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            used[pid] = (int(fields[11]) + int(fields[12])) / tick
    return used


class CpuSplit:
    """CPU used by each party to a load test, in ms per request: the load generator (this
    process), the server's processes, the database server's. It says where a rate ends:
    on a 2-core machine all three share the same cores.

    ``measured`` blocks add up per kind of request; ``add_to`` reports them. Processes
    are found again at the end of each block (a backend started during it counts from
    zero); one that ended during a block is not counted.
    """

    def __init__(self, parties: dict[str, Callable[[], list[int]]]) -> None:
        self.parties = parties  # name -> the pids that party has now
        self.used: dict[tuple[str, str], float] = {}

    @contextlib.contextmanager
    def measured(self, what: str) -> Iterator[None]:
        before = {name: cpu_seconds(find()) for name, find in self.parties.items()}
        yield
        for name, find in self.parties.items():
            after = cpu_seconds(find())
            if after:
                used = sum(seconds - before[name].get(pid, 0.0) for pid, seconds in after.items())
                self.used[what, name] = self.used.get((what, name), 0.0) + used

    def add_to(self, figures: Figures, what: str, requests: int) -> None:
        for name in self.parties:
            if (what, name) in self.used:
                figures.add(f"CPU a request, {what}: {name}",
                            self.used[what, name] * 1000 / requests, "ms")


class Figures:
    """The named figures of one run, printed as a table and written as JSON."""

    def __init__(self, bench: str, db: str) -> None:
        self.bench, self.db = bench, db
        self.figures: dict[str, dict[str, Any]] = {}
        self.notes: dict[str, Any] = {}

    def add(self, name: str, value: float, unit: str, baseline: float | None = None,
            ratio: float | None = None) -> None:  # fmt: skip
        """Record a figure; the ratio is value / baseline unless given."""
        if ratio is None and baseline:
            ratio = value / baseline
        self.figures[name] = {
            "value": round(value, 3), "unit": unit,
            "baseline": None if baseline is None else round(baseline, 3),
            "ratio": None if ratio is None else round(ratio, 4),
        }  # fmt: skip

    def note(self, name: str, value: Any) -> None:
        """Something about the run that is not a figure (counts, outcomes, profile)."""
        self.notes[name] = value

    def print(self) -> None:
        print(f"== {self.bench} on {self.db}  ({time.strftime('%Y-%m-%d %H:%M')}, "
              f"{platform.python_version()}, {os.cpu_count()} CPUs, load "
              f"{os.getloadavg()[0]:.1f})")  # fmt: skip
        for name, figure in self.figures.items():
            baseline = figure["baseline"]
            against = "" if baseline is None else f"   baseline {baseline:>12,.1f}"
            ratio = "" if figure["ratio"] is None else f"   ratio {figure['ratio']:.0%}"
            print(f"  {name:46} {figure['value']:>12,.1f} {figure['unit']:<10}{against}{ratio}")
        for name, value in self.notes.items():
            if name != "profile":
                print(f"  {name}: {value}")

    def write(self, path: str | None) -> None:
        """Write the figures as one JSON object (nothing without a path)."""
        if not path:
            return
        Path(path).write_text(json.dumps({
            "bench": self.bench, "db": self.db, "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "load_average": round(os.getloadavg()[0], 2), "figures": self.figures,
            "notes": self.notes,
        }, indent=2, default=str) + "\n")  # fmt: skip


@contextlib.contextmanager
def profiled(enabled: bool, figures: Figures, top: int = 12) -> Iterator[None]:
    """Profile the block when ``enabled``: its top entries by own time, printed and kept."""
    if not enabled:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats("tottime").print_stats(top)
        entries = [line.strip() for line in out.getvalue().splitlines()
                   if line.strip() and line.strip()[0].isdigit()]  # fmt: skip
        figures.note("profile", entries)
        print("\n".join(["  profile (ncalls tottime percall cumtime percall function):",
                         *(f"    {entry}" for entry in entries)]))  # fmt: skip


PY_SPY = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "py-spy"


@contextlib.contextmanager
def sampled(enabled: bool, pid: int, figures: Figures, name: str, top: int = 15) -> Iterator[None]:
    """Sample another process (or this one, from outside) with py-spy while the block runs:
    its top functions by own samples of the thread holding the GIL (the Python work, not
    threads waiting for it), printed and kept as ``name``.

    py-spy comes from the project's virtualenv (or PATH); the block runs unsampled, with a
    note, when it cannot attach. BENCH_KEEP_STACKS=DIR keeps the raw collapsed stacks.
    """
    if not enabled:
        yield
        return
    executable = _py_spy()
    with tempfile.TemporaryDirectory(prefix="bench-py-spy-") as directory:
        output = Path(directory) / "stacks.txt"
        process = subprocess.Popen(
            [executable, "record", "--pid", str(pid), "--format", "raw", "--rate", "50",
             "--gil", "--nonblocking", "--output", str(output)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            yield
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            keep = os.environ.get("BENCH_KEEP_STACKS")  # a directory for the raw stacks
            if keep and output.exists():
                Path(keep).mkdir(parents=True, exist_ok=True)
                shutil.copy(output, Path(keep) / f"{name.replace(' ', '-')}.txt")
            rankings = (
                ("own samples", _own_samples(output, top)),
                ("by the project's innermost function", _own_samples(output, top, ours=True)),
            ) if output.exists() else (("py-spy could not attach", []),)  # fmt: skip
            for title, entries in rankings:
                figures.note(f"{name}, {title}", entries)
                print("\n".join([f"  {name} (py-spy, {title}):",
                                 *(f"    {entry}" for entry in entries)]))  # fmt: skip


def _py_spy() -> str:
    here = Path(sys.executable).parent / "py-spy"
    return str(here if here.exists() else PY_SPY if PY_SPY.exists() else "py-spy")


# Samples of threads waiting (a sleeping loop, an idle socket) say nothing about the work.
WAITING = ("Condition.wait", "Event.wait", "select (selectors.py", "sleep", "wait (claims.py")
OURS = ("(services/", "(shared/", "(deploy/", "/services/", "/shared/", "/deploy/")


def _own_samples(stacks: Path, top: int, ours: bool = False) -> list[str]:
    """Top functions of py-spy's collapsed stacks, as "share% samples function (file:line)":
    the leaf's own samples, or with ``ours`` each sample charged to the innermost frame of
    the project's code (what of ours the library time is spent for). Waiting is left out."""
    own: dict[str, int] = {}
    total = 0
    for line in stacks.read_text().splitlines():
        frames, _, count = line.rpartition(" ")
        if not frames or not count.isdigit():
            continue
        stack = frames.split(";")
        if any(marker in stack[-1] for marker in WAITING):
            continue
        leaf = stack[-1]
        if ours:
            mine = (frame for frame in reversed(stack) if any(part in frame for part in OURS))
            leaf = next(mine, "(outside the project)")
        own[leaf] = own.get(leaf, 0) + int(count)
        total += int(count)
    ranked = sorted(own.items(), key=lambda item: item[1], reverse=True)[:top]
    return [f"{count / total:6.1%} {count:6d} {leaf}" for leaf, count in ranked]
