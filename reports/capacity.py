"""Capacity-probe figure: how far past its training range each model keeps accepting strings."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from reports.figures import plt, save
from reports.messages import text


def plot_accuracy_by_n(n: np.ndarray, accepted: dict[str, np.ndarray], seeds: dict[str, int],
                       correct: dict[str, np.ndarray], train_max: int, stem: Path, title: str,
                       lang: str = "en") -> list[Path]:
    """Top: share of the seeds that fit their training strings that accept string n (legal-set
    rule); bottom: share of all seeds whose string n is right by the next-symbol rule. n (N,);
    accepted: model -> (fitted seeds, N); seeds: model -> seeds in all; correct: model -> (seeds,
    N). The training range 1..train_max is shaded."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    for name, c in correct.items():
        c = np.atleast_2d(c).astype(float)
        line, = bottom.step(n, c.mean(0), where="mid", label=name)
        a = np.atleast_2d(accepted.get(name, np.zeros((0, len(n))))).astype(float)
        fit = text(lang, "fig.seeds_fit", model=name, fit=a.shape[0], seeds=seeds.get(name, c.shape[0]))
        if a.shape[0]:
            top.step(n, a.mean(0), where="mid", color=line.get_color(), label=fit)
        else:  # no capacity result: named in the legend only
            top.plot([], [], color=line.get_color(), ls=":", label=text(lang, "fig.did_not_fit", label=fit))
    for ax in (top, bottom):
        ax.axvspan(n[0] - 0.5, train_max + 0.5, color="0.85", zorder=0)
        ax.set_ylim(-0.03, 1.03)
    top.text(train_max / 2, 0.5, text(lang, "fig.training_range"), ha="center", color="0.4", fontsize=8)
    top.set_ylabel(text(lang, "fig.accepted_axis"))
    bottom.set_ylabel(text(lang, "fig.next_symbol_axis"))
    bottom.set_xlabel("n")
    top.set_title(title)
    top.legend(fontsize=8, loc="upper right")
    return save(fig, stem)
