"""The model registry: every entry maps (K, B, T, F) -> (K, B, out) for K members trained together;
the stateful ones map a chunk (K, B, L, F) and a carried state to (K, B, L, out) and the next state."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # the modules that build models import torch: only when one is built
    from torch import nn


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
    # "windowed": reads a T-step window from a zero state; "stateful": reads the whole series
    # before each target with a carried state (models/stateful.py)
    regime: str = "windowed"


def _mlp(a: BuildArgs) -> nn.Module:
    from models.mlp import MLP
    from models.stacked import member_generators
    return MLP(member_generators(list(a.seeds)), a.in_features, a.window, a.hidden, a.out_features, a.layers)


def _recurrent(kind: str) -> Callable[[BuildArgs], nn.Module]:
    def build(a: BuildArgs) -> nn.Module:
        from models.recurrent import Recurrent
        from models.stacked import member_generators
        return Recurrent(kind, member_generators(list(a.seeds)), a.in_features, a.hidden, a.out_features)
    return build


def _stateful(kind: str) -> Callable[[BuildArgs], nn.Module]:
    def build(a: BuildArgs) -> nn.Module:
        from models.stacked import member_generators
        from models.stateful import StatefulRecurrent
        return StatefulRecurrent(kind, member_generators(list(a.seeds)), a.in_features, a.hidden, a.out_features)
    return build


_STATEFUL = ("reads the whole series: `streams` streams in chunks of `bptt` steps, state carried across "
             "chunks (truncated BPTT), a loss at every step")


def _baseline(name: str) -> Callable[[BuildArgs], nn.Module]:
    """Builds the class `name` of models.baselines."""
    def build(a: BuildArgs) -> nn.Module:
        from models import baselines
        return getattr(baselines, name)(len(a.seeds), a.out_features, a.classification)
    return build


MODELS: dict[str, ModelSpec] = {
    "mlp": ModelSpec("mlp", True, _mlp, "fully connected net on the flattened window (ReLU hidden layers)"),
    "rnn": ModelSpec("rnn", True, _recurrent("rnn"), "Elman RNN (tanh), last hidden state -> linear head"),
    "lstm": ModelSpec("lstm", True, _recurrent("lstm"), "LSTM, last hidden state -> linear head"),
    "gru": ModelSpec("gru", True, _recurrent("gru"), "GRU, last hidden state -> linear head"),
    "rnn-stateful": ModelSpec("rnn-stateful", True, _stateful("rnn"), f"Elman RNN (tanh) that {_STATEFUL}",
                              regime="stateful"),
    "lstm-stateful": ModelSpec("lstm-stateful", True, _stateful("lstm"), f"LSTM that {_STATEFUL}",
                               regime="stateful"),
    "gru-stateful": ModelSpec("gru-stateful", True, _stateful("gru"), f"GRU that {_STATEFUL}",
                              regime="stateful"),
    "persistence": ModelSpec("persistence", False, _baseline("Persistence"), "naive: repeat the last value"),
    "mean": ModelSpec("mean", False, _baseline("Mean"), "naive: training-target mean (or class frequencies)"),
    "mean_row": ModelSpec("mean_row", False, _baseline("RowMean"),
                          "naive: per-position mean of the training targets (images: the mean image's row)",
                          tasks="regression"),
    "chance": ModelSpec("chance", False, _baseline("Chance"), "naive: uniform guess over the classes",
                        tasks="classification"),
}


def get_model(name: str) -> ModelSpec:
    """The registry entry for name; an unknown name raises ValueError listing the valid ones."""
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODELS)}") from None


__all__ = ["MODELS", "ModelSpec", "BuildArgs", "get_model"]
