"""One writer per store: a run or a report holds a lock on ``<store>.lock`` while it reads and writes.

The lock is flock(2) on that file, so the kernel drops it when its holder's process ends, however
it ends (kill -9 included): a lock a dead run left is simply taken by the next one, and nobody has
to remove a file by hand. The holder writes its pid, host and command into the file, which is all
a second process needs to say who is writing; the holder removes the file when it is done, so a
finished or refused run leaves the folder as it found it. (On NFS, Linux carries flock over to the
server's locks, so processes on two hosts exclude each other too.)
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bench.errors import UserError


def lock_path(store: Path) -> Path:
    return store.with_name(store.name + ".lock")


@contextmanager
def writing(store: Path, command: str) -> Iterator[None]:
    """Hold store's writer lock for the block (creating its folder if need be); a UserError naming
    the holder when a live process has it. command ("run", "report") is what the holder says."""
    folder = store.parent
    created = [p for p in (folder, *folder.parents) if not p.exists()]  # deepest first
    folder.mkdir(parents=True, exist_ok=True)
    try:
        fd = _acquire(lock_path(store))
        try:
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "command": command,
                                     "since": time.strftime("%Y-%m-%d %H:%M:%S")}).encode())
            yield
        finally:
            try:
                os.unlink(lock_path(store))  # while held: whoever opened it before sees it is gone
            except FileNotFoundError:
                pass
            os.close(fd)
    except BaseException:
        for p in created:  # a refused run leaves no folder behind: each one only if it is empty
            try:
                os.rmdir(p)
            except OSError:
                break
        raise


def check_no_writer(store: Path) -> None:
    """For a process that only reads (a dry run): a UserError naming the writer if a live process
    holds the lock; creates nothing."""
    try:
        fd = os.open(lock_path(store), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:  # no lock file: nobody writes (a holder keeps it in place)
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        raise _busy(store.parent, fd) from None
    finally:
        os.close(fd)


def _acquire(path: Path) -> int:
    """An open descriptor of path holding its exclusive lock."""
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as e:
            raise UserError(f"{path}: cannot open the store's lock file ({e.strerror or e})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            err = _busy(path.parent, fd)
            os.close(fd)
            raise err from None
        except OSError as e:
            os.close(fd)
            raise UserError(f"{path}: cannot lock the store's lock file ({e.strerror or e})") from None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # its holder finished and removed it between our open and our lock: again


def _busy(folder: Path, fd: int) -> UserError:
    return UserError(f"{folder}: another process is writing this folder ({_holder(fd)}); "
                     f"wait for it to finish, or use another --out")


def _holder(fd: int) -> str:
    """Who holds the lock, from what it wrote into the file (it may be a moment from writing it)."""
    here = socket.gethostname()
    for _ in range(40):
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            d = json.loads(os.read(fd, 4096))
            who = f"pid {int(d['pid'])} on {d['host']}, `bench {d['command']}` since {d['since']}"
        except (ValueError, KeyError, TypeError):
            who = None
        if who is not None and (d["host"] != here or _alive(int(d["pid"]))):
            return who
        time.sleep(0.05)  # empty, half written, or a dead process's: the holder is writing its own
    return "a process that has not written its pid yet"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
