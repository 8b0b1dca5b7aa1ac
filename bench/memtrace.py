"""A `rookery` command run under tracemalloc, the allocations that grew written out every so often
(the soak's leak hunt: `python -m bench soak --tracemalloc`).

    python -m bench.memtrace --out DIR [--start 120] [--every 60] [--frames 8] -- up --port 8080 ...

Tracing starts ``--start`` seconds after the process (start-up and warm-up behind it, at full
speed: a traced process runs several times slower), the first snapshot ``--every`` seconds later,
then one every ``--every`` seconds, each compared with the first: the 30 tracebacks whose live
allocations grew most are written to DIR/growth-<seconds>.txt. What keeps growing from one file
to the next is the leak's address (what was allocated before tracing started is not seen).
"""

from __future__ import annotations

import argparse
import ctypes
import linecache
import pathlib
import sys
import threading
import time
import tracemalloc

IGNORED = (
    tracemalloc.Filter(False, tracemalloc.__file__),
    tracemalloc.Filter(False, linecache.__file__),  # this module's own reports
    tracemalloc.Filter(False, "<frozen importlib.*"),
)


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def native_memory() -> str:
    """What tracemalloc does not see: glibc's heap (mallinfo2) and SQLite's own count of the memory
    it holds (page caches, statements); '' where either cannot be read."""
    parts = []
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
        parts.append(
            f"malloc in use {info.uordblks / 2**20:,.1f} MiB (heap {info.arena / 2**20:,.1f}, free in it"
            f" {info.fordblks / 2**20:,.1f}; mmapped {info.hblkhd / 2**20:,.1f})"
        )
    except (OSError, AttributeError):
        pass
    try:
        sqlite = ctypes.CDLL("libsqlite3.so.0")  # the library the sqlite3 module loaded: one counter
        sqlite.sqlite3_memory_used.restype = ctypes.c_int64
        parts.append(f"SQLite in use {sqlite.sqlite3_memory_used() / 2**20:,.1f} MiB")
    except (OSError, AttributeError):
        pass
    return "; ".join(parts)


def growth(first: tracemalloc.Snapshot, now: tracemalloc.Snapshot, top: int = 30) -> str:
    """The ``top`` tracebacks whose live allocations grew most between two snapshots."""
    lines = []
    for stat in now.compare_to(first, "traceback")[:top]:
        lines.append(
            f"+{stat.size_diff / 1024:,.1f} KiB ({stat.count_diff:+,} blocks), now {stat.size / 1024:,.1f} KiB"
        )
        lines += [f"    {line}" for line in stat.traceback.format(most_recent_first=True)]
    return "\n".join(lines) + "\n"


def watch(out: pathlib.Path, start: float, every: float, frames: int) -> None:
    started = time.monotonic()
    time.sleep(start)
    tracemalloc.start(frames)
    time.sleep(every)
    first = tracemalloc.take_snapshot().filter_traces(IGNORED)
    first_at = round(time.monotonic() - started)
    traced, _ = tracemalloc.get_traced_memory()
    (out / "first.txt").write_text(f"{first_at} s after start; traced {traced / 2**20:,.1f} MiB; {native_memory()}\n")
    while True:
        time.sleep(every)
        now = tracemalloc.take_snapshot().filter_traces(IGNORED)
        elapsed = round(time.monotonic() - started)
        traced, _ = tracemalloc.get_traced_memory()
        header = f"{elapsed} s after start; traced now {traced / 2**20:,.1f} MiB; {native_memory()}\n"
        header += f"growth since {first_at} s:\n"
        (out / f"growth-{elapsed:05d}.txt").write_text(header + growth(first, now))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument("--start", type=float, default=120, help="seconds before tracing starts")
    parser.add_argument("--every", type=float, default=60, help="seconds between the later ones")
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the rookery command and its arguments")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    args.out.mkdir(parents=True, exist_ok=True)
    threading.Thread(
        target=watch, args=(args.out, args.start, args.every, args.frames), daemon=True, name="memtrace"
    ).start()
    from rookery.workloads.cli import main as rookery

    return rookery(command)


if __name__ == "__main__":
    sys.exit(main())
