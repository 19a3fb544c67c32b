"""Next-day close from the last `window` closes (lecture: GRU stock prediction; assignment 1).

Data: a daily index shipped with `arch` (offline: `market` sp500 or nasdaq), or a user's Yahoo,
kabuoji3 or FRED CSV (--stock-csv, --stock-column), which replaces the market. The file is
checked and its content hash pinned into the settings when the cell is planned, so a bad file is
refused before anything trains and a changed file is a different cell.

seed profile: the notebook's protocol — closes only, 70/30 chronological split
(train_len = N - int(0.3 N)), windows inside each part, min-max scaler fitted on the WHOLE series
(a leak), window 6, GRU hidden 100, Adam 0.01, 50 epochs, batch 32, no shuffling.
quick/full: walk-forward (bench/train/walkforward.py): `folds` blocks of `fold_days` closes cover the
last `test` share of the series; each fold retrains every member on everything before its block
(validation: the last `val` share of the closes before it; scaler fitted on the training part).
Every target (bench/train/targets.py) is scored in prices; each member's forecasts are also traded
(reports/trading.py: `strategy`, a `fee` per position change) against buy-and-hold.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from bench import metrics
from bench.store import fold_rates
from bench.tasks.base import Task, TaskData, Unavailable
from bench.tasks.scoring import regression_metrics
from bench.tasks.stock_windows import fold_windows
from bench.train.targets import DESCRIPTIONS, check_target, represent, to_price
from bench.train.walkforward import Fold, FoldPoints, check_folds, fold_points, lecture_split, train_folds
from reports import trading
from sequences import SequenceError, Series
from sequences.features import FEATURES, NONE, feature_matrix, parse_features
from sequences.files import read_regular, shown
from sequences.markets import MARKETS, NotHere, market_file
from sequences.stock import between, load_stock_csv
from sequences.textfile import MAX_BYTES

_COMMON = dict(stock_csv=None, stock_column=None, stock_sha256=None, market="sp500", target="level", window=6,
               layers=2, optimizer="adam", lr=0.01, batch_size=32, clip=None, scaler="minmax", data_seed=0,
               test=0.3, folds=None, fold_days=None, fee=0.001, strategy="long-flat", features=NONE,
               fee_sweep=",".join(f"{f:g}" for f in trading.FEE_SWEEP))
# Settings added after results were stored: at their default they stay out of the cell key (resolve
# drops them), so cells stored before keep their keys; any other value is part of the key.
LATER = ("features", "fee_sweep")
LECTURE = "lecture"  # span: the market's lecture period (sequences/markets.py)
NO_MOVE = 1e-6  # relative distance from the last close below which a forecast is "no change"
DEFAULTS = {
    # The notebook used the Nikkei 225 2017-2019 (scraped): that span for it, the closest for arch's markets.
    "seed": dict(_COMMON, span=LECTURE, hidden=100, epochs=50, shuffle=False, patience=None,
                 val=0.0, scaler_fit="all"),
    # Walk-forward retrains every fold on two markets: shorter training than a single split would
    # need keeps the grid's cost near twice the single split's (docs/stock.md has the figures);
    # epochs is a cap, early stopping ends training.
    "quick": dict(_COMMON, span="2012-01-01/2018-12-31", hidden=32, epochs=100, shuffle=True, patience=5,
                  val=0.1, scaler_fit="train", folds=3, batch_size=64),
    "full": dict(_COMMON, span="1999-01-01/2018-12-31", hidden=100, epochs=200, shuffle=True, patience=20,
                 val=0.1, scaler_fit="train", folds=6),
}


def file_hash(path: str | Path) -> str:
    return hashlib.sha256(read_regular(path, MAX_BYTES, "price CSV")).hexdigest()[:16]


@lru_cache(maxsize=8)
def _load(path: str, column: str | None, stamp: tuple) -> Series:  # stamp: (size, mtime): reload on change
    return load_stock_csv(path, column)


def _source(s: Mapping, fetch: bool = False) -> tuple[Path, Series]:
    """The data file and its prices: the user's CSV whole, or the market's index over `span` (a
    market fetched on first use is fetched only when `fetch`: once, while the run is planned)."""
    if s["stock_csv"]:
        p = Path(s["stock_csv"]).expanduser()
        stat = p.stat() if p.is_file() else None
        series = _load(str(p), s["stock_column"], (stat.st_size, stat.st_mtime_ns) if stat else None)
        return p, series
    try:
        p = market_file(s["market"], fetch)
    except NotHere as e:
        raise Unavailable(str(e)) from None
    stat = p.stat()
    series = _load(str(p), s["stock_column"], (stat.st_size, stat.st_mtime_ns))
    span = MARKETS[s["market"]].lecture_span if s["span"] == LECTURE else s["span"]
    start, _, end = (span or "/").partition("/")
    return p, between(series, start or None, end or None)


def fold_plan(n: int, s: Mapping, source: str) -> list[FoldPoints]:
    """Where each fold's parts lie on n closes: the lecture's single split (folds None), or
    `folds` blocks of `fold_days` closes (default int(test·n) // folds) at the end, int(val·n)
    validation closes before each. Too short -> SequenceError naming the file and the sizes."""
    T, val_len = s["window"], int(n * s["val"])
    try:
        if s["folds"] is None:
            return [lecture_split(n, T, s["test"], s["val"])]
        days = s["fold_days"] or int(n * s["test"]) // s["folds"]
        check_folds(n, T, s["folds"], days, val_len)
        return fold_points(n, s["folds"], days, val_len)
    except ValueError as e:
        raise SequenceError(f"{source}: {n} usable closes: {e}") from None


@dataclass(frozen=True)
class Trading:
    """How a stock cell's forecasts are traded (reports/trading.py), checked as it is made: a
    strategy, a fee per position change, and the fees every strategy is also traded at (the
    suggestions' sweep); fees are fractions of the value traded."""

    strategy: str
    fee: float
    sweep: tuple[float, ...] = trading.FEE_SWEEP

    def __post_init__(self):
        trading.check_strategy(self.strategy)
        for f, what in ((self.fee, "fee"), *((f, "a fee of the sweep") for f in self.sweep)):
            if not 0 <= f <= trading.MAX_FEE:
                raise ValueError(f"{what} must be in [0, {trading.MAX_FEE:g}] (a fraction of the value traded), "
                                 f"got {f!r}")

    @classmethod
    def of(cls, s: Mapping) -> "Trading":
        """From a stock cell's settings, where the sweep is comma-separated text (absent: the default)."""
        text = s.get("fee_sweep", _COMMON["fee_sweep"])
        try:
            sweep = tuple(float(t) for t in text.split(","))
        except ValueError:
            raise ValueError(f"fee_sweep must be comma-separated fees, got {text!r}") from None
        return cls(s["strategy"], s["fee"], sweep)


def _check_settings(s: Mapping) -> None:
    check_target(s["target"])
    Trading.of(s)
    if s["scaler_fit"] not in ("train", "all"):
        raise ValueError(f"scaler_fit must be 'train' or 'all', got {s['scaler_fit']!r}")
    if s["folds"] is None and s["fold_days"] is not None:
        raise ValueError("--fold-days needs --folds: this profile keeps the lecture's single split")
    parse_features(s.get("features", NONE))
    if s["folds"] is not None and s["scaler_fit"] == "all":
        raise ValueError("--folds: walk-forward fits a scaler on each fold's training part, this profile fits "
                         "one on the whole series (the lecture's protocol); use --profile quick or full")


def resolve(s: Mapping) -> dict:
    """Check the settings and the data file before anything trains; pin the file's content hash
    (and, for a user's file, its name as the market) and the fold length."""
    s = dict(s)
    _check_settings(s)
    if s["span"] == LECTURE and not s["stock_csv"]:
        s["span"] = MARKETS[s["market"]].lecture_span
    for k in LATER:
        if s[k] == _COMMON[k]:
            del s[k]
    try:
        path, series = _source(s, fetch=True)  # errors name the file as the user gave it
    except Unavailable:
        return s  # the cell is recorded as skipped when it runs
    n = len(series.values)
    if n and np.ptp(series.values) == 0:  # its persistence error is 0: no ratio to it, nothing to learn
        raise SequenceError(f"{shown(path)}: every close is {series.values[0]:g}; a constant series has nothing "
                            f"to predict")
    plan = fold_plan(n, s, str(path if s["stock_csv"] else series.source))
    if s["folds"] is not None:
        s["fold_days"] = plan[0].e - plan[0].b
    if s["stock_csv"]:  # workers may run elsewhere: pin the absolute path; the span is for the default data
        s["stock_csv"], s["span"], s["market"] = str(path.resolve()), None, path.name
    s["stock_sha256"] = file_hash(path)
    _features(s, path, series)  # a feature that does not cover the closes is refused now
    return s


def _features(s: Mapping, path: Path, series: Series) -> np.ndarray | None:
    """(N, E) feature columns on the closes' dates, or None without features."""
    names = parse_features(s.get("features", NONE))
    if not names:
        return None
    market = None if s["stock_csv"] else s["market"]
    return feature_matrix(names, series.index, path, market, MARKETS[market].close_utc if market else None)


def _span(dates: np.ndarray, lo: int, hi: int) -> str:
    return f"{dates[lo]}..{dates[hi - 1]}" if hi > lo else "none"


def _split_note(folds: list[Fold], points: list[FoldPoints], dates: np.ndarray, T: int) -> dict[str, str]:
    """Protocol lines: where each fold trains, validates and tests."""
    out = {}
    for i, (f, p) in enumerate(zip(folds, points)):
        val = f"validation {_span(dates, p.a, p.b)} ({len(f.val) if f.val else 0} windows), " if p.b > p.a else ""
        out["split" if len(folds) == 1 else f"fold {i + 1}"] = (
            f"train {_span(dates, 0, p.a)} ({len(f.train)} windows), {val}"
            f"test {_span(dates, int(f.at[0]), int(f.at[-1]) + 1)} ({len(f.at)} days)")
    if len(folds) == 1:
        out["split"] = "chronological, one window lost at each boundary: " + out["split"]
    else:
        out["walk-forward"] = (f"{len(folds)} test blocks of {points[0].e - points[0].b} closes, each after its own "
                               f"validation block of {points[0].b - points[0].a} closes that no fold tests; each fold "
                               "retrains every member from its initial parameters on the closes before its validation "
                               "block that no fold tests (expanding window, one window of "
                               f"{T} lost at each boundary), and stops and selects its learning rate on its own "
                               "validation block; a test window's inputs may reach back before its block "
                               "(closes known on the day of the forecast)")
    return out


def build(s: Mapping, rng: np.random.Generator) -> TaskData:
    path, series = _source(s)
    if s["stock_sha256"] and file_hash(path) != s["stock_sha256"]:
        raise SequenceError(f"{path}: the file changed after the run was planned; run again")
    prices, dates, T, target = series.values, series.index, s["window"], s["target"]
    n = len(prices)
    points = fold_plan(n, s, str(path))
    rep = None if target == "level" else represent(target, np.lib.stride_tricks.sliding_window_view(prices, T + 1))
    feats = _features(s, path, series)  # (N, E) or None
    folds = [fold_windows(prices, rep, p, s, feats) for p in points]
    at = np.concatenate([f.at for f in folds])  # (S,) test target positions, consecutive days
    true, last = prices[at], prices[at - 1]
    asset = trading.asset_returns(true, last)
    trade = Trading.of(s)
    hold = trading.strategy_returns(np.ones_like(asset), asset, trade.fee)
    fit_all = s["scaler_fit"] == "all"
    m = series.meta
    origin = "FRED, cached" if MARKETS.get(s["market"], MARKETS["sp500"]).fred else "the arch package"
    default = f" (default data: {MARKETS[s['market']].title} from {origin})" if not s["stock_csv"] else ""
    protocol = {
        "source": f"{series.source}: {n} closes {m['first']}..{m['last']}{default}",
        "cleaning": f"rows dropped for a missing value: {m['missing_dropped']}; repeated dates dropped: "
                    f"{m['duplicates_dropped']} ({m['conflicting_dates']} with differing values, later row kept); "
                    f"rows reordered by date: {'yes' if m['reordered'] else 'no'}",
        **_split_note(folds, points, dates, T),
        "scaler": (f"{s['scaler']} fitted on the WHOLE series, test period included: the lecture's protocol, which "
                   "leaks the test period's range into training" if fit_all else
                   f"{s['scaler']} fitted on " + ("each fold's" if len(folds) > 1 else "the") + " training part only"),
        "target": f"{target}: {DESCRIPTIONS[target]}; predictions mapped back to prices before scoring",
        "direction base rate": f"{np.mean(true > last):.1%} of test days close up (the direction accuracy of "
                               "always guessing up)",
        "trading": f"{trade.strategy} on each member's forecasts, fee {trade.fee:.4g} of the value traded per "
                   "position change (reports/trading.py); buy-and-hold pays one entry fee",
    }
    if feats is not None:
        protocol["features"] = (", ".join(f"{n}: {FEATURES[n].description}" for n in parse_features(s["features"]))
                                + "; each the last value known at the day's close (sequences/features.py), "
                                "standardised on each fold's training days only")
    if fit_all and not s["val"]:
        protocol["lecture"] = ("the notebook scraped the Nikkei 225 2017-2019 and set torch.manual_seed(1); its test "
                               "plot fed x/x_max instead of the min-max scaling it trained on and shifted predictions "
                               "by the first test error; here test windows use the training scaling, no shift")
    starts = np.cumsum([0] + [len(f.at) for f in folds[:-1]])  # (F,) each fold's first test day
    return TaskData(
        train=folds[-1].train, val=folds[-1].val, test=folds[-1].test,
        in_features=1 + (0 if feats is None else feats.shape[1]), out_features=1,
        classification=False, protocol=protocol,
        arrays={"test_true": true, "test_last": last, "test_dates": dates[at], "fold_starts": starts,
                "persistence_loss": (last - true) ** 2, "hold_returns": hold},
        extra={"folds": folds, "prices": prices, "true": true, "last": last, "asset": asset},
    )


def train(model, data: TaskData, seeds: list, cfg, s: Mapping):
    """Every fold in turn from the same initial parameters; evaluate reads the kept parameters."""
    log, data.extra["states"] = train_folds(model, data.extra["folds"], seeds, cfg, data.val_score,
                                            fold_rates.fixed(s))
    return log


def forecasts(model, data: TaskData, s: Mapping) -> np.ndarray:
    """Price forecasts (K, S) over every fold's test days: each fold by its own parameters (a
    baseline refitted on the fold's training targets)."""
    from bench.train.loop import predict
    from models.baselines import Baseline
    states, device = data.extra.get("states"), data.test.base.device
    out = []
    for i, f in enumerate(data.extra["folds"]):
        if states is not None:
            model.load_state_dict(states[i])
        elif isinstance(model, Baseline):
            model.fit(f.train.targets.to(device))
        r = f.scaler.inverse(predict(model, f.test.to(device)).cpu().numpy()[..., 0].astype(np.float64))
        out.append(to_price(s["target"], r, data.extra["prices"][f.at - 1]))
    pred, last = np.concatenate(out, axis=1), data.extra["last"]
    # The representations are float32: a "no change" forecast comes back a few 1e-8 off the last
    # close. Within NO_MOVE it is no change, so persistence is exactly the same forecast under
    # every target, calls no move, and never trades.
    return np.where(np.abs(pred - last) <= NO_MOVE * last, last, pred)


def evaluate(model, data: TaskData, s: Mapping):
    return score(forecasts(model, data, s), data, s)


def score(pred: np.ndarray, data: TaskData, s: Mapping):
    """Every metric and per-member array from price forecasts pred (K, S) over every fold's test days."""
    from reports.stats import diebold_mariano, wilson_interval  # scipy: seconds to import, workers only
    true, last = data.extra["true"], data.extra["last"]
    out = regression_metrics(pred, true, last)
    acc = metrics.direction_accuracy(pred, true, last)
    n = len(true)
    wilson = np.array([wilson_interval(a * n, n) for a in acc])  # (K, 2)
    loss = (pred - true[None]) ** 2  # (K, S)
    dm = np.array([diebold_mariano(lk, data.arrays["persistence_loss"]) for lk in loss])  # (K, 2)
    trade = Trading.of(s)
    pos = trading.positions(pred, last, trade.strategy)
    g = trading.strategy_returns(pos, data.extra["asset"], trade.fee)  # (K, S)
    t = trading.summary(g, pos)
    out.update(direction_acc=acc, direction_acc_lo=wilson[:, 0], direction_acc_hi=wilson[:, 1],
               dm_stat_vs_persistence=dm[:, 0], dm_p_vs_persistence=dm[:, 1],
               trade_return=t["total_return"], trade_annual_return=t["annual_return"], trade_sharpe=t["sharpe"],
               trade_max_drawdown=t["max_drawdown"], trade_count=t["trades"],
               trade_sharpe_vs_hold=t["sharpe"] - trading.sharpe(data.arrays["hold_returns"]))
    return out, {"test_pred": pred, "pointwise_loss": loss, "trade_returns": g}


def figures(stem: str, by_model: dict, cell: dict, outdir: Path, lang: str = "en",
            settings: Mapping | None = None) -> list[Path]:
    from reports.messages import text
    from reports.stock import plot_predictions
    from reports.trading_report import plot_equity
    if "test_true" not in cell:
        return []
    name = words(settings, lang) if settings else stem
    first = {m: seeds[min(seeds)] for m, seeds in by_model.items() if seeds}
    preds = {m: a["test_pred"] for m, a in first.items() if "test_pred" in a}
    starts = cell.get("fold_starts", np.zeros(1, dtype=int))
    true = cell["test_true"]
    returns = bool(settings) and settings.get("target") != "level" and "test_last" in cell
    if returns:  # a return target: returns against returns, where prices would hide the error
        last = cell["test_last"]
        true, preds = true / last - 1, {m: p / last - 1 for m, p in preds.items()}
    paths = plot_predictions(cell["test_dates"], true, preds, outdir / f"{stem}_predictions",
                             title=text(lang, "fig.stock_returns_title" if returns else "fig.stock_title", label=name),
                             fold_starts=starts, lang=lang, returns=returns) if preds else []
    returns = {m: np.stack([a["trade_returns"] for a in seeds.values()]) for m, seeds in by_model.items()
               if seeds and all("trade_returns" in a for a in seeds.values())}
    if returns and "hold_returns" in cell:
        paths += plot_equity(cell["test_dates"], cell["hold_returns"], returns, starts, outdir / f"{stem}_equity",
                             title=text(lang, "fig.equity_title", label=name), lang=lang)
    return paths


def _column(st: Mapping) -> str:
    """A label's column in the market's tables: its target, and its features when it has any."""
    names = parse_features(st.get("features", NONE))
    return st["target"] + (" + " + ",".join(names) if names else "")


TARGET_WORDS = {"level": "fig.target_level", "diff": "fig.target_diff", "logret": "fig.target_logret",
                "window-norm": "fig.target_window_norm"}  # a target in words


def words(settings: Mapping, lang: str = "en") -> str:
    """A stock label in words: 'S&P 500, log returns' (a user's file by its name)."""
    from reports.messages import text
    market, target = settings.get("market"), settings.get("target")
    return text(lang, "fig.stock_words", market=MARKETS[market].title if market in MARKETS else market,
                target=text(lang, TARGET_WORDS[target]) if target in TARGET_WORDS else str(target))


def section(tidy, settings: dict[str, Mapping], arrays: Callable[[str], tuple[dict, dict]], lang: str = "en") -> str:
    """The stock summary per market, in lang: ratios by model × target, walk-forward folds, trading,
    the lecture's trading suggestions on the GRU's forecasts, and what features change."""
    from reports.features_answer import features_paragraph
    from reports.stock import market_section
    from reports.strategies import suggestions_section
    markets: dict[str, dict[str, Mapping]] = {}
    for label, st in settings.items():
        markets.setdefault(st["market"], {})[label] = st
    out, pairs = [], []
    for m, labels in markets.items():
        title = MARKETS[m].title if m in MARKETS else m
        trade = Trading.of(next(iter(labels.values())))
        read = {label: (_column(st), *arrays(label)) for label, st in labels.items()}
        rows = tidy[tidy.task.isin(labels)]
        out.append(market_section(rows, title, read, fee=trade.fee, strategy=trade.strategy, lang=lang))
        out.append(suggestions_section(read, title, trade.fee, trade.strategy, trade.sweep, lang))
        plain = {st["target"]: label for label, st in labels.items() if _column(st) == st["target"]}
        pairs += [(title, read[plain[st["target"]]], read[label]) for label, st in labels.items()
                  if _column(st) != st["target"] and st["target"] in plain]
    return "".join(out) + "\n".join(features_paragraph(pairs, lang))


TASK = Task(name="stock", kind="regression",
            description="next-day close from the last closes (lecture: GRU stock; assignment 1), in prices, "
                        "walk-forward, traded after fees",
            defaults=DEFAULTS, build=build, evaluate=evaluate, score=score, figures=figures, resolve=resolve,
            train=train, section=section, label_keys=("market", "target", "features"), words=words,
            fold_setting="folds")
