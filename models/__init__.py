"""The model registry: every entry maps (K, B, T, F) -> (K, B, out) for K members trained together."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from torch import nn

from models.baselines import Baseline, Chance, Mean, Persistence, RowMean
from models.mlp import MLP
from models.recurrent import Recurrent
from models.stacked import member_generators


@dataclass(frozen=True)
class BuildArgs:
    """What every model builder receives; seeds has one entry per member (K = len(seeds))."""

    seeds: tuple[int, ...]
    in_features: int
    out_features: int
    window: int
    hidden: int
    layers: int = 2
    classification: bool = False


@dataclass(frozen=True)
class ModelSpec:
    name: str
    trainable: bool
    build: Callable[[BuildArgs], nn.Module]
    description: str
    tasks: str = "any"  # "regression", "classification" or "any"


def _recurrent(kind: str) -> Callable[[BuildArgs], nn.Module]:
    return lambda a: Recurrent(kind, member_generators(list(a.seeds)), a.in_features, a.hidden, a.out_features)


def _baseline(cls: type[Baseline]) -> Callable[[BuildArgs], nn.Module]:
    return lambda a: cls(len(a.seeds), a.out_features, a.classification)


MODELS: dict[str, ModelSpec] = {
    "mlp": ModelSpec("mlp", True, lambda a: MLP(member_generators(list(a.seeds)), a.in_features, a.window,
                                                 a.hidden, a.out_features, a.layers),
                     "fully connected net on the flattened window (ReLU hidden layers)"),
    "rnn": ModelSpec("rnn", True, _recurrent("rnn"), "Elman RNN (tanh), last hidden state -> linear head"),
    "lstm": ModelSpec("lstm", True, _recurrent("lstm"), "LSTM, last hidden state -> linear head"),
    "gru": ModelSpec("gru", True, _recurrent("gru"), "GRU, last hidden state -> linear head"),
    "persistence": ModelSpec("persistence", False, _baseline(Persistence), "naive: repeat the last value"),
    "mean": ModelSpec("mean", False, _baseline(Mean), "naive: training-target mean (or class frequencies)"),
    "mean_row": ModelSpec("mean_row", False, _baseline(RowMean),
                          "naive: per-position mean of the training targets (images: the mean image's row)",
                          tasks="regression"),
    "chance": ModelSpec("chance", False, _baseline(Chance), "naive: uniform guess over the classes",
                        tasks="classification"),
}


def get_model(name: str) -> ModelSpec:
    """The registry entry for name; an unknown name raises ValueError listing the valid ones."""
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODELS)}") from None


__all__ = ["MODELS", "ModelSpec", "BuildArgs", "get_model", "Baseline"]
