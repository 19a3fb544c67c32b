"""A diverging configuration is recorded as `diverged`, reported, and never stops the grid."""
import pandas as pd

from bench.cli import main
from bench.store.db import Store

HUGE_LR = ["run", "--grid", "sine", "--profile", "seed", "--lr", "1e6", "--epochs", "3", "--hidden", "4",
           "--seeds", "2", "--executor", "local"]  # with figures: they must survive inf and NaN too


def test_huge_learning_rate_is_diverged_not_a_crash(tmp_path, capsys):
    assert main(HUGE_LR + ["--out", str(tmp_path)]) == 0  # diverged is an outcome, not a failure
    out = capsys.readouterr().out
    assert "seeds run: diverged 8, ok 4" in out
    for model in ("mlp", "rnn", "lstm", "gru"):
        assert f"diverged: sine {model}, seeds 0, 1: non-finite training loss at epoch 0" in out
    with Store(tmp_path / "results.sqlite") as s:
        status = s.results().groupby("model").status.unique().map(list).to_dict()
    assert status == {"mlp": ["diverged"], "rnn": ["diverged"], "lstm": ["diverged"], "gru": ["diverged"],
                      "persistence": ["ok"], "mean": ["ok"]}
    md = (tmp_path / "results.md").read_text()
    assert "Diverged (training loss became non-finite" in md and "mlp seeds 0, 1" in md
    assert set(pd.read_csv(tmp_path / "results.csv").model) >= {"persistence", "mean", "mlp"}
    assert (tmp_path / "figures" / "sine_closed_loop.png").exists()
    # The recorded reason, written again in Japanese.
    assert main(["report", "--out", str(tmp_path), "--lang", "ja", "--no-figures"]) == 0
    assert "シード 0, 1 は発散（指標は残したエポックの値で表に入っています）：エポック 0 で学習の損失が有限でなくなった" \
        in (tmp_path / "details.md").read_text()
    assert "発散（学習の損失が有限でなくなった" in (tmp_path / "results.md").read_text()
    # Diverged is final: a rerun trains nothing again.
    assert main(HUGE_LR + ["--out", str(tmp_path), "--no-figures"]) == 0
    assert "(0 run, 6 already stored)" in capsys.readouterr().out
