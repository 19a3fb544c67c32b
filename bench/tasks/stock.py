"""Next-day close from the last `window` closes (lecture: GRU stock prediction; assignment 1).

Data: the daily S&P 500 shipped with `arch` (offline default), or a user's Yahoo, kabuoji3 or
FRED CSV (--stock-csv, --stock-column). The file is checked and its content hash pinned into the
settings when the cell is planned, so a bad file is refused before anything trains and a changed
file is a different cell.

seed profile: the notebook's protocol — closes only, 70/30 chronological split
(train_len = N - int(0.3 N)), windows inside each part, min-max scaler fitted on the WHOLE series
(a leak), window 6, GRU hidden 100, Adam 0.01, 50 epochs, batch 32, no shuffling.
quick/full: 60/10/30 with early stopping on the validation part and the scaler fitted on the
training part only. Every target (bench/targets.py) is scored in prices.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import numpy as np
import torch

from bench import metrics
from bench.scalers import Scaler
from bench.targets import DESCRIPTIONS, check_target, represent, to_price
from bench.tasks.base import Task, TaskData, Unavailable
from bench.tasks.scoring import regression_metrics
from bench.train import predict
from bench.windows import SplitPoints, WindowSet, chronological_split, series_windows
from sequences import SequenceError, Series
from sequences.stock import between, load_stock_csv, sp500_path

_COMMON = dict(stock_csv=None, stock_column=None, stock_sha256=None, target="level", window=6, layers=2,
               optimizer="adam", lr=0.01, batch_size=32, clip=None, scaler="minmax", data_seed=0, test=0.3)
NO_MOVE = 1e-6  # relative distance from the last close below which a forecast is "no change"
DEFAULTS = {
    # The notebook used the Nikkei 225 2017-2019 (scraped); the closest span of the default data.
    "seed": dict(_COMMON, span="2016-01-01/2018-12-31", hidden=100, epochs=50, shuffle=False, patience=None,
                 val=0.0, scaler_fit="all"),
    "quick": dict(_COMMON, span="2012-01-01/2018-12-31", hidden=32, epochs=50, shuffle=True, patience=10,
                  val=0.1, scaler_fit="train"),
    "full": dict(_COMMON, span="1999-01-01/2018-12-31", hidden=100, epochs=200, shuffle=True, patience=20,
                 val=0.1, scaler_fit="train"),
}


def file_hash(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


@lru_cache(maxsize=8)
def _load(path: str, column: str | None, stamp: tuple) -> Series:  # stamp: (size, mtime): reload on change
    return load_stock_csv(path, column)


def _source(s: Mapping) -> tuple[Path, Series]:
    """The data file and its prices: the user's CSV whole, or the default S&P 500 over `span`."""
    if s["stock_csv"]:
        p = Path(s["stock_csv"]).expanduser()
        stat = p.stat() if p.is_file() else None
        series = _load(str(p), s["stock_column"], (stat.st_size, stat.st_mtime_ns) if stat else None)
        return p, series
    p = sp500_path()
    if p is None:
        raise Unavailable("the default S&P 500 data comes with the `arch` package: pip install arch, "
                          "or pass --stock-csv FILE")
    series = _load(str(p), s["stock_column"], None)
    start, _, end = (s["span"] or "/").partition("/")
    return p, between(series, start or None, end or None)


def split_points(n: int, s: Mapping, source: str) -> SplitPoints:
    """The lecture's split: test_len = int(test·n) closes at the end, val_len = int(val·n) before
    them; a window of T closes is lost at each boundary. Too short -> SequenceError naming the file."""
    T = s["window"]
    test_len, val_len = int(n * s["test"]), int(n * s["val"])
    b = n - test_len
    a = b - val_len
    parts = {"training": a, "validation": val_len, "test": test_len} if s["val"] else \
        {"training": a, "test": test_len}
    short = [f"{k} part has {v}" for k, v in parts.items() if v <= T]
    if short:
        need = int(np.ceil((T + 1) / min(s["test"], s["val"] or 1, 1 - s["test"] - s["val"])))
        raise SequenceError(f"{source}: {n} usable closes are too few for window {T} ({', '.join(short)} closes, "
                            f"each part needs more than {T}); give at least {need} closes or a smaller --window")
    return SplitPoints(a, b)


def resolve(s: Mapping) -> dict:
    """Check the settings and the data file before anything trains; pin the file's content hash."""
    s = dict(s)
    check_target(s["target"])
    if s["scaler_fit"] not in ("train", "all"):
        raise ValueError(f"scaler_fit must be 'train' or 'all', got {s['scaler_fit']!r}")
    try:
        path, series = _source(s)  # errors name the file as the user gave it
    except Unavailable:
        return s  # the cell is recorded as skipped when it runs
    split_points(len(series.values), s, str(path if s["stock_csv"] else series.source))
    if s["stock_csv"]:  # workers may run elsewhere: pin the absolute path; the span is for the default data
        s["stock_csv"], s["span"] = str(path.resolve()), None
    s["stock_sha256"] = file_hash(path)
    return s


def _relative_windows(rep: np.ndarray, idx: np.ndarray, scaler: Scaler) -> WindowSet:
    """Each window is relative to its own last close, so windows share no base sequence: the
    base is the (S, T, 1) windows themselves (float32; small for daily prices)."""
    r = scaler.transform(rep[idx]).astype(np.float32)  # (S, T+1)
    S, T = len(idx), rep.shape[1] - 1
    return WindowSet(torch.from_numpy(np.ascontiguousarray(r[:, :T, None])), torch.arange(S),
                     torch.zeros(S, dtype=torch.long), torch.from_numpy(np.ascontiguousarray(r[:, T:])), T)


def _part(name: str, dates: np.ndarray, ws: WindowSet) -> str:
    return f"{name} {len(dates)} closes {dates[0]}..{dates[-1]} ({len(ws)} windows)"


def build(s: Mapping, rng: np.random.Generator) -> TaskData:
    path, series = _source(s)
    if s["stock_sha256"] and file_hash(path) != s["stock_sha256"]:
        raise SequenceError(f"{path}: the file changed after the run was planned; run again")
    prices, dates, T, target = series.values, series.index, s["window"], s["target"]
    n = len(prices)
    pts = split_points(n, s, str(path))
    fit_all = s["scaler_fit"] == "all"
    pos = chronological_split(series_windows(prices, T), pts)  # window start positions per part
    if target == "level":  # the lecture's windows: strided views over one scaled series
        scaler = Scaler.fit(s["scaler"], prices if fit_all else prices[:pts.a])
        train, val, test = chronological_split(series_windows(scaler.transform(prices), T), pts)
    else:
        rep = represent(target, np.lib.stride_tricks.sliding_window_view(prices, T + 1))  # (N-T, T+1)
        scaler = Scaler.fit(s["scaler"], rep if fit_all else rep[pos[0].start.numpy()])
        train, val, test = (_relative_windows(rep, p.start.numpy(), scaler) for p in pos)
    at = pos[2].start.numpy() + T  # (S,) test target positions
    true, last = prices[at], prices[at - 1]
    up = float(np.mean(true > last))
    parts = [_part("train", dates[:pts.a], train)] + \
        ([_part("validation", dates[pts.a:pts.b], val)] if len(val) else []) + [_part("test", dates[pts.b:], test)]
    m = series.meta
    protocol = {
        "source": f"{series.source}: {n} closes {m['first']}..{m['last']}"
                  + (" (default data: S&P 500 from the arch package)" if not s["stock_csv"] else ""),
        "cleaning": f"rows dropped for a missing value: {m['missing_dropped']}; repeated dates dropped: "
                    f"{m['duplicates_dropped']} ({m['conflicting_dates']} with differing values, later row kept); "
                    f"rows reordered by date: {'yes' if m['reordered'] else 'no'}",
        "split": "chronological, one window lost at each boundary: " + "; ".join(parts),
        "scaler": (f"{s['scaler']} fitted on the WHOLE series, test period included: the lecture's protocol, which "
                   "leaks the test period's range into training" if fit_all else
                   f"{s['scaler']} fitted on the training part only"),
        "target": f"{target}: {DESCRIPTIONS[target]}; predictions mapped back to prices before scoring",
        "direction base rate": f"{up:.1%} of test days close up (the direction accuracy of always guessing up)",
    }
    if fit_all and not s["val"]:
        protocol["lecture"] = ("the notebook scraped the Nikkei 225 2017-2019 and set torch.manual_seed(1); its test "
                               "plot fed x/x_max instead of the min-max scaling it trained on and shifted predictions "
                               "by the first test error; here test windows use the training scaling, no shift")
    return TaskData(
        train=train, val=val if len(val) else None, test=test, in_features=1, out_features=1,
        classification=False, protocol=protocol,
        arrays={"test_true": true, "persistence_loss": (last - true) ** 2, "test_dates": dates[at]},
        extra={"scaler": scaler, "true": true, "last": last},
    )


def evaluate(model, data: TaskData, s: Mapping):
    from reports.stats import diebold_mariano, wilson_interval  # scipy: seconds to import, workers only
    scaler, true, last = data.extra["scaler"], data.extra["true"], data.extra["last"]
    r = scaler.inverse(predict(model, data.test).cpu().numpy()[..., 0].astype(np.float64))  # (K, S)
    pred = to_price(s["target"], r, last)
    # The representations are float32: a "no change" forecast comes back a few 1e-8 off the last
    # close. Within NO_MOVE it is no change, so persistence is exactly the same forecast under
    # every target and calls no move.
    pred = np.where(np.abs(pred - last) <= NO_MOVE * last, last, pred)
    out = regression_metrics(pred, true, last)
    acc = metrics.direction_accuracy(pred, true, last)
    n = len(true)
    wilson = np.array([wilson_interval(a * n, n) for a in acc])  # (K, 2)
    loss = (pred - true[None]) ** 2  # (K, S)
    dm = np.array([diebold_mariano(lk, data.arrays["persistence_loss"]) for lk in loss])  # (K, 2)
    out.update(direction_acc=acc, direction_acc_lo=wilson[:, 0], direction_acc_hi=wilson[:, 1],
               dm_stat_vs_persistence=dm[:, 0], dm_p_vs_persistence=dm[:, 1])
    return out, {"test_pred": pred, "pointwise_loss": loss}


def figures(stem: str, by_model: dict, cell: dict, outdir: Path) -> list[Path]:
    from reports.stock import plot_predictions
    preds = {m: seeds[min(seeds)]["test_pred"] for m, seeds in by_model.items()
             if seeds and "test_pred" in seeds[min(seeds)]}
    if not preds or "test_true" not in cell:
        return []
    return plot_predictions(cell["test_dates"], cell["test_true"], preds, outdir / f"{stem}_predictions",
                            title=f"{stem}: next-day close, one-step predictions (first seed)")


def section(tidy, settings: dict[str, Mapping]) -> str:
    from reports.stock import ratio_section
    return ratio_section(tidy, {label: s["target"] for label, s in settings.items()})


TASK = Task(name="stock", kind="regression",
            description="next-day close from the last closes (lecture: GRU stock; assignment 1), in prices",
            defaults=DEFAULTS, build=build, evaluate=evaluate, figures=figures, resolve=resolve,
            section=section, label_keys=("target",))
