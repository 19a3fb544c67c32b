"""Store files that are not this suite's store are refused with one line naming the file, and
every refused run leaves an existing store byte-for-byte as it was (-wal and -shm included)."""
import hashlib
import os
import shutil
import sqlite3

import pytest

from bench.cli import main
from bench.store.check import inspect_store

FAST = ["--executor", "local", "--no-figures", "--seeds", "2"]
CELL = ["run", "--task", "sine", "--model", "persistence"] + FAST  # no training: milliseconds


def files(d):
    """name -> sha256 of every file in d (a new -wal or -shm shows up as a new name)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir()) if p.is_file()}


def error_line(capsys):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    return err


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    d = tmp_path_factory.mktemp("good")
    assert main(CELL + ["--out", str(d)]) == 0
    assert not (d / "results.sqlite-wal").exists()  # a clean close checkpoints and removes the WAL
    return d


@pytest.fixture
def store(good, tmp_path):
    d = tmp_path / "out"
    shutil.copytree(good, d)
    return d


def _killed_copy(src, dst, sql):
    """dst: src after sql was committed by a process that died before its checkpoint (-wal pending)."""
    conn = sqlite3.connect(src / "results.sqlite")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    with conn:
        conn.executescript(sql)
    shutil.copytree(src, dst)  # main + -wal + -shm as a kill -9 would leave them
    conn.close()
    assert (dst / "results.sqlite-wal").stat().st_size > 0
    return dst


# --- malformed store files: each refused, each left unchanged ------------------------------------

def _garbage(p):
    p.write_text("date,close\n2020-01-01,1\n")


def _random_bytes(p):
    p.write_bytes(os.urandom(8192))


def _magic_only(p):
    p.write_bytes(b"SQLite format 3\x00")


def _cut_mid_page(p):
    b = p.read_bytes()
    p.write_bytes(b[:len(b) - 1000])


def _first_page_only(p):
    p.write_bytes(p.read_bytes()[:4096])


def _bad_page_size(p):
    b = bytearray(p.read_bytes())
    b[16:18] = (1000).to_bytes(2, "big")
    p.write_bytes(bytes(b))


def _zeroed_page(p):
    b = bytearray(p.read_bytes())
    b[4096 * 2:4096 * 3] = bytes(4096)  # a b-tree page of the store, wiped
    p.write_bytes(bytes(b))


def _sql(statements):
    def apply(p):
        conn = sqlite3.connect(p)
        with conn:
            conn.executescript(statements)
        conn.close()
    return apply


def _foreign(p):
    p.unlink()
    _sql("CREATE TABLE prices (day TEXT, close REAL); INSERT INTO prices VALUES ('2020-01-01', 1.0);")(p)


def _to_dev_null(p):
    p.unlink()
    p.symlink_to(os.devnull)


MALFORMED = {
    "text file": (_garbage, "not an SQLite file"),
    "random bytes": (_random_bytes, "not an SQLite file"),
    "magic only": (_magic_only, "SQLite rejects it (file is not a database)"),
    "cut mid-page": (_cut_mid_page, "SQLite's integrity_check rejects it ("),
    "first page only": (_first_page_only, "SQLite rejects it (database disk image is malformed)"),
    "bad page size": (_bad_page_size, "SQLite rejects it (file is not a database)"),
    "zeroed page": (_zeroed_page, "SQLite rejects it (database disk image is malformed)"),
    "another program's database": (_foreign, "not a result store of this suite (no meta table)"),
    "schema version 0": (_sql("UPDATE meta SET value='0' WHERE key='schema'"), "result-schema version '0'"),
    "schema version text": (_sql("UPDATE meta SET value='one' WHERE key='schema'"), "result-schema version 'one'"),
    "no schema row": (_sql("DELETE FROM meta"), "result-schema version none"),
    "missing column": (_sql("ALTER TABLE results DROP COLUMN env"), "table 'results' lacks columns ['env']"),
    "damaged metrics JSON": (_sql("UPDATE results SET metrics='{\"mse\": 0.' WHERE seed=0"),
                             "damaged result row of cell"),
    "metrics not an object": (_sql("UPDATE results SET metrics='[1, 2]' WHERE seed=1"), "not a JSON object"),
    "unknown status": (_sql("UPDATE results SET status='great' WHERE seed=0"), "status 'great'"),
    "damaged array": (_sql("UPDATE arrays SET data=X'789c0102' WHERE seed=0"), "damaged array"),
    "symlink to /dev/null": (_to_dev_null, "is a symbolic link"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_store_is_refused_and_left_unchanged(case, store, capsys):
    make, needle = MALFORMED[case]
    make(store / "results.sqlite")
    before = files(store)
    for argv in (CELL, ["report", "--no-figures"]):
        assert main(argv + ["--out", str(store)]) == 1
        err = error_line(capsys)
        assert needle in err and str(store / "results.sqlite") in err, err
        assert files(store) == before  # the store, the manifest and the tables: untouched


def test_store_path_is_a_directory(tmp_path, capsys):
    (tmp_path / "results.sqlite").mkdir()
    (tmp_path / "results.sqlite" / "keep").write_text("x")
    assert main(CELL + ["--out", str(tmp_path)]) == 1
    assert "results.sqlite: is a directory" in error_line(capsys)
    assert (tmp_path / "results.sqlite" / "keep").read_text() == "x"


def test_other_schema_version_with_pending_wal_is_left_unchanged(store, tmp_path, capsys):
    """A store of another version killed before its checkpoint: main file and -wal keep their bytes."""
    old = _killed_copy(store, tmp_path / "old", "UPDATE meta SET value='0' WHERE key='schema';")
    main_before, wal_before = files(old)["results.sqlite"], files(old)["results.sqlite-wal"]
    assert main(CELL + ["--out", str(old)]) == 1
    assert "result-schema version '0'" in error_line(capsys)
    after = files(old)
    assert after["results.sqlite"] == main_before and after["results.sqlite-wal"] == wal_before
    assert set(after) == {"results.sqlite", "results.sqlite-wal", "results.sqlite-shm", "manifest.json",
                          "results.csv", "results.md", "results.tex", "report.md", "report.html", "details.md",
                          "details.html"}


# --- a good store and a refused run ---------------------------------------------------------------

REFUSED = [
    ["--model", "persistence", "--profile", "huge"],
    ["--model", "persistence", "--window", "300"],
    ["--model", "lstm", "--hidden", "65536"],
    ["--model", "rnn", "--lr", "0"],
    ["--model", "persistence", "--seeds", "1001"],
    ["--model", "persistence", "--executor", "mpi"],
]


@pytest.mark.parametrize("bad", REFUSED, ids=lambda b: " ".join(b[2:]))
def test_refused_run_leaves_good_store_byte_for_byte(bad, store, capsys):
    before = files(store)
    assert main(["run", "--task", "sine"] + FAST + bad + ["--out", str(store)]) == 1
    error_line(capsys)
    assert files(store) == before  # no -wal, no -shm, no rewritten tables


@pytest.mark.parametrize("blocker", ["results.md", "results.csv", "manifest.json"])
def test_output_name_taken_by_a_directory(blocker, store, capsys):
    (store / blocker).unlink()
    (store / blocker).mkdir()
    before = files(store)
    assert main(CELL + ["--out", str(store)]) == 1
    assert f"{blocker}: is a directory" in error_line(capsys)
    assert files(store) == before


def test_figures_name_taken_by_a_file(store, capsys):
    (store / "figures").write_text("not a folder")
    before = files(store)
    assert main([a for a in CELL if a != "--no-figures"] + ["--out", str(store)]) == 1
    assert "figures: is a file" in error_line(capsys)
    assert files(store) == before


def test_pending_wal_of_good_store_is_read_but_not_written(store, tmp_path, capsys):
    """A dry run on a store a kill left with a pending -wal sees the pending rows and writes neither
    the database nor the -wal (only SQLite's -shm index may be rebuilt)."""
    killed = _killed_copy(store, tmp_path / "killed",
                          "UPDATE results SET status='failed' WHERE seed=1;")
    before = files(killed)
    assert main(CELL + ["--out", str(killed), "--dry-run"]) == 0
    assert "1 of 2 (cell, seed) results already stored" in capsys.readouterr().out  # the WAL was read
    after = files(killed)
    assert {k: v for k, v in after.items() if not k.endswith("-shm")} == \
        {k: v for k, v in before.items() if not k.endswith("-shm")}


def test_good_store_is_accepted_and_resumed(store, capsys):
    state = inspect_store(store / "results.sqlite")
    assert state.exists and sum(len(s) for s in state.done.values()) == 2
    before = files(store)
    assert main(CELL + ["--out", str(store), "--dry-run"]) == 0
    assert "2 of 2 (cell, seed) results already stored" in capsys.readouterr().out
    assert files(store) == before  # a dry run opens the store immutable: nothing created
    assert main(CELL + ["--out", str(store)]) == 0
    assert "(0 run, 1 already stored)" in capsys.readouterr().out


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file permissions")
def test_read_only_out_dir(store, capsys):
    os.chmod(store, 0o555)
    try:
        before = files(store)
        assert main(CELL + ["--out", str(store)]) == 1
        assert "not a writable folder" in error_line(capsys)
        assert files(store) == before
    finally:
        os.chmod(store, 0o755)


def test_a_header_that_sqlite_would_open_read_only_is_refused(tmp_path):
    """A file-format write version above 2 passes a read-only open but no run could store into it."""
    import sqlite3
    from bench.errors import UserError
    from bench.store.check import inspect_store
    path = tmp_path / "results.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    data = bytearray(path.read_bytes())
    data[18] = 5
    path.write_bytes(bytes(data))
    with pytest.raises(UserError, match="file format versions 5/"):
        inspect_store(path)
    assert path.read_bytes() == bytes(data)
