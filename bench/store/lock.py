"""One writer per store: a run or a report holds a lock on ``<store>.lock`` while it reads and writes.

The lock is flock(2) on that file, so the kernel drops it when its holder's process ends, however
it ends (kill -9 included): a lock a dead run left is simply taken by the next one, and nobody has
to remove a file by hand. The holder writes its pid, host and command into the file, which is all
a second process needs to say who is writing; the holder removes the file when it is done, so a
finished or refused run leaves the folder as it found it. (On NFS, Linux carries flock over to the
server's locks, so processes on two hosts exclude each other too.) The file is opened without
following a link or waiting on a FIFO, and emptied only when this process created it or it holds a
lock record: anything else at its name is refused and left as it is (sequences/files.py).
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import stat
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bench.errors import UserError
from sequences.files import UnsafeFile, check_output, shown


def lock_path(store: Path) -> Path:
    return store.with_name(store.name + ".lock")


@contextmanager
def writing(store: Path, command: str) -> Iterator[None]:
    """Hold store's writer lock for the block (creating its folder if need be); a UserError naming
    the holder when a live process has it. command ("run", "report") is what the holder says."""
    folder = store.parent
    created = [p for p in (folder, *folder.parents) if not p.exists()]  # deepest first
    folder.mkdir(parents=True, exist_ok=True)
    path = lock_path(store)
    try:
        fd = _acquire(path)
        try:
            os.ftruncate(fd, 0)  # our own file, or a lock record a finished holder left (_acquire checked)
            os.pwrite(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "command": command,
                                      "since": time.strftime("%Y-%m-%d %H:%M:%S")}).encode(), 0)  # at 0: it was read
            yield
        finally:
            try:  # while held: whoever opened it before sees it is gone; only our file, never one put there since
                if os.path.samestat(os.fstat(fd), os.lstat(path)):
                    os.unlink(path)
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
    path = lock_path(store)
    try:
        fd = os.open(path, os.O_RDONLY | _SAFE)
    except FileNotFoundError:  # no lock file: nobody writes (a holder keeps it in place)
        return
    except OSError:
        check_output(path)  # a planted link: named; anything else unreadable: nobody can hold it
        return
    try:
        _check_lock_file(fd, path, created=False)
        _lock(fd, fcntl.LOCK_SH, store.parent)
    finally:
        os.close(fd)


_SAFE = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # never through a link, never waiting on a FIFO


def _acquire(path: Path) -> int:
    """An open descriptor of path holding its exclusive lock: a file this process creates, or a lock
    file a finished run left; anything else there (a link, a special file, a file with other content) is
    refused, naming it, and left as it is."""
    while True:
        created = True
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | _SAFE, 0o644)
        except FileExistsError:
            created = False
            try:
                fd = os.open(path, os.O_RDWR | _SAFE)
            except FileNotFoundError:
                continue  # its holder finished and removed it meanwhile: again
            except OSError as e:
                check_output(path)  # a link (ELOOP) or a socket (ENXIO): named as such
                raise UserError(f"{shown(path)}: cannot open the store's lock file ({e.strerror or e})") from None
        except OSError as e:
            raise UserError(f"{shown(path)}: cannot open the store's lock file ({e.strerror or e})") from None
        try:
            _check_lock_file(fd, path, created)
            _lock(fd, fcntl.LOCK_EX, path.parent)
            same = os.path.samestat(os.fstat(fd), os.lstat(path))
        except FileNotFoundError:
            same = False
        except BaseException:
            os.close(fd)
            raise
        if same:
            return fd
        os.close(fd)  # its holder finished and removed it between our open and our lock: again


def _check_lock_file(fd: int, path: Path, created: bool) -> None:
    """fd (open at path) is a regular file of one name holding nothing or a lock record, else UnsafeFile."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
        check_output(path)  # names what it is
        raise UnsafeFile(errno.EEXIST, "is not a regular file of one name", shown(path))  # replaced meanwhile
    if created or st.st_size == 0:
        return
    os.lseek(fd, 0, os.SEEK_SET)
    try:
        doc = json.loads(os.read(fd, 4096)) if st.st_size <= 4096 else None
    except ValueError:
        doc = None
    if not (isinstance(doc, dict) and {"pid", "host", "command"} <= set(doc)):
        raise UnsafeFile(errno.EEXIST, "is not a lock file of this suite, so it is not overwritten (move it away "
                                       "or use another --out; it was left unchanged)", shown(path))


def _lock(fd: int, how: int, folder: Path) -> None:
    """flock(fd, how) without waiting for a live holder: a UserError naming it. A lock held for a
    moment only (a dry run's shared one, a holder yet to write its name) is waited for, briefly."""
    for _ in range(40):
        try:
            fcntl.flock(fd, how | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = _holder(fd)
            if holder is not None:
                break
            time.sleep(0.05)
        except OSError as e:
            raise UserError(f"{folder}: cannot lock the store's lock file ({e.strerror or e})") from None
    raise UserError(f"{folder}: another process is writing this folder ({holder or 'it has not said which'}); "
                    f"wait for it to finish, or use another --out")


def _holder(fd: int) -> str | None:
    """Who holds the lock, from what it wrote into the file; None while that is empty, half written
    or a dead process's (the holder has the lock but has not written its own yet)."""
    os.lseek(fd, 0, os.SEEK_SET)
    try:
        d = json.loads(os.read(fd, 4096))
        pid, host = int(d["pid"]), str(d["host"])
        who = f"pid {pid} on {host}, `bench {d['command']}` since {d['since']}"
    except (ValueError, KeyError, TypeError):
        return None
    return who if host != socket.gethostname() or _alive(pid) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
