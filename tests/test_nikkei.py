"""The Nikkei 225 from FRED: skipped offline with the reason and the --stock-csv alternative,
fetched from a mirror (file://) into the data cache, read from there, the lecture's span in seed."""
import pytest

from bench.cli import main
from bench.run.runner import cells_for, plan
from bench.store.db import Store
from sequences.markets import FRED_URL_ENV, NotHere, market_file
from stock_files import fred, walk

FAST = ["--epochs", "2", "--hidden", "4", "--executor", "local", "--seeds", "1", "--no-figures"]


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A FRED-format NIKKEI225 file (observation_date header, `.` holidays) 2016-06..2020, served by file://."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    fred(folder / "NIKKEI225.csv", walk(1000, seed=3, start=20000.0), series="NIKKEI225", missing=(7, 300),
         date_col="observation_date", start="2016-06-01")
    monkeypatch.setenv(FRED_URL_ENV, f"file://{folder}/{{series}}.csv")
    monkeypatch.setenv("SEQBENCH_OFFLINE", "0")
    return folder


def test_offline_every_cell_is_skipped_with_the_reason_and_the_alternative(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "--grid", "assignment1", "--market", "nikkei225", "--out", str(out)] + FAST) == 0
    captured = capsys.readouterr()
    skipped = [line for line in captured.err.splitlines() if line.startswith("skipped: ")]
    assert len(skipped) == 18  # 3 targets x 6 models, one line each
    assert all("Nikkei 225" in line and "--stock-csv FILE" in line and "not in the cache" in line for line in skipped)
    assert "18 skipped" in captured.out


def test_a_mirror_is_fetched_into_the_cache_and_runs(mirror, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    assert main(["run", "--task", "stock", "--model", "persistence", "--market", "nikkei225", "--profile", "seed",
                 "--out", str(out)] + FAST) == 0
    assert "1 ok" in capsys.readouterr().out
    cached = market_file("nikkei225")
    assert cached.read_bytes() == (mirror / "NIKKEI225.csv").read_bytes()
    with Store(out / "results.sqlite") as store:
        (cell,) = store.cells().values()
    assert "NIKKEI225.csv" in cell["protocol"]["source"] and "from FRED" in cell["protocol"]["source"]
    assert cell["settings"]["span"] == "2017-01-01/2019-12-31"  # the lecture's period, pinned
    # afterwards the cache serves it offline, the mirror gone
    (mirror / "NIKKEI225.csv").unlink()
    monkeypatch.setenv("SEQBENCH_OFFLINE", "1")
    (c,) = plan(cells_for(None, "stock", "persistence"), "seed", "cpu", {"market": "nikkei225"})
    assert c.config.settings_dict["stock_sha256"]


def test_a_mirror_that_fails_is_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv(FRED_URL_ENV, f"file://{tmp_path}/absent/{{series}}.csv")
    monkeypatch.setenv("SEQBENCH_OFFLINE", "0")
    with pytest.raises(NotHere, match=r"Nikkei 225 \(FRED series NIKKEI225\) is not available here .*absent"):
        market_file("nikkei225")
