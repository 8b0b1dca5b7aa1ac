"""Detached server processes: spawn, pid files, ports, stop without leftovers."""

from __future__ import annotations

import contextlib
import os
import pathlib
import pwd
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import httpx

from e2e.stack.service import StackError

HOST = "127.0.0.1"
# servers that refuse to run as root (PostgreSQL, OpenSearch) run as this user when we are root
STACK_USER = "rookery"


_path_locks: dict[pathlib.Path, threading.Lock] = {}
_path_locks_guard = threading.Lock()


def path_lock(path: pathlib.Path) -> threading.Lock:
    """One lock per cache path: two services that install the same thing at once (kafka and
    kafka-ha share Kafka's jars) build it once, the second waiting for the first; checked first
    and then built, the cache's "done" markers alone let both see it missing and build at once."""
    with _path_locks_guard:
        return _path_locks.setdefault(path.resolve(), threading.Lock())


def port_open(port: int, host: str = HOST, timeout: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def http_ok(
    url: str,
    accept: Callable[[httpx.Response], bool] | None = None,
    *,
    timeout: float = 5,
    params: Mapping[str, str] | None = None,
) -> bool:
    """GET url answers 200 (and ``accept`` takes the response); False on an HTTP or JSON error."""
    try:
        response = httpx.get(url, params=params, timeout=timeout)
        return response.status_code == 200 and (accept is None or bool(accept(response)))
    except (httpx.HTTPError, ValueError):
        return False


def wait_ports_closed(ports: Sequence[int], timeout: float = 30.0, host: str = HOST) -> list[int]:
    """Wait until none of ports accepts connections; returns those still open at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        still = [p for p in ports if port_open(p, host)]
        if not still or time.monotonic() > deadline:
            return still
        time.sleep(0.2)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (exited, not yet reaped by its parent) is not alive for our purposes
    with contextlib.suppress(OSError):
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def _start_time(pid: int) -> str | None:
    """The process's start time (clock ticks since boot): tells a live pid from a reused one."""
    try:
        return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def write_pid(pid_file: pathlib.Path, pid: int) -> None:
    pid_file.write_text(f"{pid} {_start_time(pid)}\n")


def read_pid(pid_file: pathlib.Path) -> int | None:
    """The pid recorded in pid_file, or None when absent or when that pid now belongs to another process."""
    try:
        pid_text, _, started = pid_file.read_text().strip().partition(" ")
        pid = int(pid_text)
    except (OSError, ValueError):
        return None
    if started and (now := _start_time(pid)) is not None and now != started:
        return None  # the server is long gone and its pid was reused: never signal a stranger
    return pid


def _identity(user: str | None, env: dict[str, str]) -> tuple[int | None, int | None, list[int] | None]:
    """uid, gid and (no) supplementary groups to run as user; env gets that user's HOME and names."""
    if user is None:
        return None, None, None
    entry = pwd.getpwnam(user)
    env.update(HOME=entry.pw_dir, USER=user, LOGNAME=user)
    return entry.pw_uid, entry.pw_gid, []


@contextlib.contextmanager
def _logged(
    doing: str,
    argv: Sequence[str | os.PathLike[str]],
    log: pathlib.Path,
    env: Mapping[str, str] | None,
    user: str | None,
) -> Iterator[dict[str, Any]]:
    """The log opened for appending, headed by a line naming the command; yields the keywords
    Popen/run share: no stdin, output (stderr too) to the log, the environment, the user."""
    log.parent.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, **(env or {})}
    uid, gid, groups = _identity(user, full_env)
    with log.open("ab") as out:
        out.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} {doing}: {' '.join(map(str, argv))}\n".encode())
        out.flush()
        yield {
            "stdin": subprocess.DEVNULL, "stdout": out, "stderr": subprocess.STDOUT, "env": full_env,
            "user": uid, "group": gid, "extra_groups": groups,
        }  # fmt: skip


def spawn(
    argv: Sequence[str | os.PathLike[str]],
    *,
    log: pathlib.Path,
    pid_file: pathlib.Path,
    cwd: pathlib.Path | None = None,
    env: Mapping[str, str] | None = None,
    user: str | None = None,
) -> int:
    """Start argv detached in its own session (so the whole group can be signalled), output to log."""
    with _logged("starting", argv, log, env, user) as how:
        proc = subprocess.Popen([str(a) for a in argv], cwd=cwd, start_new_session=True, **how)
    write_pid(pid_file, proc.pid)
    # reap it in the background if it dies while we are still around, so it never lingers as a zombie
    threading.Thread(target=proc.wait, daemon=True).start()
    return proc.pid


def stop_pid_file(pid_file: pathlib.Path, *, timeout: float = 30.0, signum: int = signal.SIGTERM) -> None:
    """Signal (SIGTERM) the process group named by pid_file, SIGKILL it after timeout, remove the file."""
    pid = read_pid(pid_file)
    if pid is not None and pid_alive(pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signum)
        deadline = time.monotonic() + timeout
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if pid_alive(pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
        # children left in the group (a JVM's helper, a shell's child) go too
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)


def running(pid_file: pathlib.Path) -> bool:
    pid = read_pid(pid_file)
    return pid is not None and pid_alive(pid)


def rss_kib(pid_file: pathlib.Path) -> int | None:
    """Resident memory of the process group named by pid_file (all its members), in KiB."""
    pid = read_pid(pid_file)
    if pid is None or not pid_alive(pid):
        return None
    total = 0
    for proc in pathlib.Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pid:  # pgrp
                for line in (proc / "status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
    return total


def run(
    service: str,
    argv: Sequence[str | os.PathLike[str]],
    *,
    log: pathlib.Path,
    cwd: pathlib.Path | None = None,
    env: Mapping[str, str] | None = None,
    user: str | None = None,
    timeout: float = 900,
) -> None:
    """Run an install step to completion, output appended to log; a failure is a StackError."""
    with _logged("running", argv, log, env, user) as how:
        try:
            proc = subprocess.run([str(a) for a in argv], cwd=cwd, timeout=timeout, check=False, **how)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise StackError(service, f"{argv[0]} failed: {exc}", log) from exc
    if proc.returncode != 0:
        raise StackError(service, f"{' '.join(map(str, argv[:3]))} ... exited {proc.returncode}", log)


def wait_until(
    service: str,
    probe: Callable[[], bool],
    *,
    timeout: float,
    log: pathlib.Path,
    pid_file: pathlib.Path | None = None,
) -> None:
    """Poll probe until it is true; fail early when the server process has died."""
    deadline = time.monotonic() + timeout
    while True:
        if probe():
            return
        if pid_file is not None and not running(pid_file):
            raise StackError(service, "the server exited before it became healthy", log)
        if time.monotonic() > deadline:
            raise StackError(service, f"not healthy after {timeout:.0f}s", log)
        time.sleep(1.0)


def stack_user() -> str | None:
    """The user to run root-refusing servers as: ourselves unless we are root, then STACK_USER."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(STACK_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--user-group",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                STACK_USER,
            ],
            check=True,
            capture_output=True,
        )
    return STACK_USER


def give_to(user: str | None, *paths: pathlib.Path) -> None:
    """Make paths (recursively) owned by user, and every ancestor traversable, so user can run there."""
    if user is None:
        return
    entry = pwd.getpwnam(user)
    for path in paths:
        for p in [path, *path.rglob("*")]:
            with contextlib.suppress(FileNotFoundError):
                os.lchown(p, entry.pw_uid, entry.pw_gid)
        # the user must be able to reach the path: add search (x) permission for others on ancestors
        for parent in path.resolve().parents:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)


def which(service: str, program: str, hint: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise StackError(service, f"{program} not found; {hint}")
    return found
