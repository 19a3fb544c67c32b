"""What a result row can hold: one FIELDS list that the store, results.csv and the tables all read.

Metric functions take predictions (K, S, ...) and truth (S, ...) and return one value per member (K,).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Field:
    name: str
    better: str  # "lower", "higher" or "" (descriptive)
    description: str
    timing: bool = False  # wall-clock figures: excluded from determinism checks


FIELDS: tuple[Field, ...] = (
    Field("mse", "lower", "mean squared error of one-step predictions on the test targets (data units)"),
    Field("mae", "lower", "mean absolute error of one-step predictions on the test targets (data units)"),
    Field("rmse", "lower", "root mean squared error on the test targets (data units)"),
    Field("mse_clean", "lower", "MSE of one-step predictions against the noise-free signal"),
    Field("mse_vs_persistence", "lower", "test MSE divided by the persistence forecast's test MSE"),
    Field("closed_loop_mse", "lower", "MSE of free-running generation (outputs fed back) against the truth"),
    Field("one_step_mse", "lower", "teacher-forced one-step MSE over the generated region"),
    Field("direction_acc", "higher", "share of test steps whose up/down move is predicted correctly"),
    Field("direction_acc_lo", "", "lower end of direction_acc's 95 % Wilson interval (binomial, over test steps)"),
    Field("direction_acc_hi", "", "upper end of direction_acc's 95 % Wilson interval (binomial, over test steps)"),
    Field("dm_stat_vs_persistence", "lower", "Diebold-Mariano statistic of squared errors vs the persistence "
          "forecast (HLN-corrected, prewhitened Newey-West variance; negative: this model is more accurate)"),
    Field("dm_p_vs_persistence", "", "two-sided p-value of dm_stat_vs_persistence (Student t, n - 1 df)"),
    Field("trade_return", "higher", "total return of trading the forecasts after fees over the test days (fraction)"),
    Field("trade_annual_return", "higher", "trade_return compounded per year of 252 trading days (fraction)"),
    Field("trade_sharpe", "higher", "annualised Sharpe ratio of the strategy's daily returns after fees, "
          "risk-free rate 0"),
    Field("trade_max_drawdown", "lower", "largest fall of the strategy's wealth from a running peak (fraction)"),
    Field("trade_count", "", "position changes of the trading strategy, the first entry included"),
    Field("trade_sharpe_vs_hold", "higher", "trade_sharpe minus buy-and-hold's Sharpe ratio over the same days"),
    Field("accuracy", "higher", "next-symbol accuracy on the test targets"),
    Field("cross_entropy", "lower", "next-symbol cross-entropy on the test targets, nats"),
    Field("max_n_accepted", "higher", "largest n such that every string with n' <= n is accepted: the legal "
          "next-symbol set right at every step (seeds that fit their training strings only)"),
    Field("accepted_beyond_range", "higher", "share of strings with n beyond the training range accepted "
          "(legal-set rule; seeds that fit their training strings only)"),
    Field("max_n_correct", "higher", "largest n such that every string with n' <= n has the argmax right at every "
          "forced next symbol (the next-symbol rule; every seed)"),
    Field("fitted", "", "1 when every training string is accepted (legal-set rule), else 0: did not fit, no "
          "capacity result"),
    Field("final_train_loss", "lower", "training loss of the kept parameters' epoch"),
    Field("val_score", "", "validation score of the kept epoch (the early-stopping criterion, lower is better): "
          "what selects a learning rate"),
    Field("converged", "", "1: stopped by its rule (early stopping on validation, or training strings fitted) "
          "before the epoch cap; 0: still improving at the cap"),
    Field("best_epoch", "", "epoch whose parameters were kept (early stopping), 0-based"),
    Field("epochs_run", "", "epochs trained before stopping"),
    Field("params", "", "trainable parameters per member"),
    Field("hidden", "", "hidden units per layer, chosen to match the GRU's parameter count (--match-params)"),
    Field("lr", "", "learning rate: selected on validation data, or fixed (the report says which)"),
    Field("train_wall_s", "lower", "wall time to train the whole stack of members (s)", timing=True),
    Field("eval_wall_s", "lower", "wall time to evaluate the whole stack (s)", timing=True),
    Field("samples_per_s", "higher", "training samples processed per second, summed over members", timing=True),
    Field("members", "", "members trained together in this stack"),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
TIMING_FIELDS = tuple(f.name for f in FIELDS if f.timing)


def get_field(name: str) -> Field:
    for f in FIELDS:
        if f.name == name:
            return f
    raise KeyError(f"unknown metric {name!r}; add it to bench.metrics.FIELDS")


def _flat(pred: np.ndarray, true: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    K = pred.shape[0]
    return pred.reshape(K, -1).astype(np.float64), np.broadcast_to(true, pred.shape).reshape(K, -1)


def mse(pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    p, t = _flat(pred, true)
    return ((p - t) ** 2).mean(1)


def mae(pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    p, t = _flat(pred, true)
    return np.abs(p - t).mean(1)


def accuracy(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """logits (K, S, C), labels (S,) -> (K,); a tie between top classes counts as a uniform random
    pick among them (expected accuracy), so the chance baseline scores exactly 1/C, not the
    frequency of class 0 that argmax would give."""
    top = logits == logits.max(-1, keepdims=True)  # (K, S, C)
    hit = np.take_along_axis(top, labels[None, :, None].astype(np.int64), -1)[..., 0]
    return (hit / top.sum(-1)).mean(1)


def pointwise_nll(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Negative log-likelihood in nats per point: logits (K, S, C), labels (S,) -> (K, S)."""
    z = logits.astype(np.float64)
    z = z - z.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    return -np.take_along_axis(logp, labels[None, :, None].astype(np.int64), -1)[..., 0]


def direction_accuracy(pred: np.ndarray, true: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Share of steps where sign(pred - last) == sign(true - last); pred (K, S), true/last (S,)."""
    return (np.sign(pred - last[None]) == np.sign(true - last)[None]).mean(1)
