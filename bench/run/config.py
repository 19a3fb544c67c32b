"""A cell: one (task, model, settings) measured over several seeds; its key hashes everything
that changes the measurement, plus the result-schema version.

This is the one place that reads a cell's settings by name: they are parsed, when the cell is
planned, into frozen objects that check their values as they are made (TrainSettings, ModelSize,
the stateful regime's Stateful), and the code that trains reads those by attribute. A task's own
parameters (a series' length, a stock file) stay the mapping that the task's module reads.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from functools import cached_property
from typing import Mapping

from bench import SCHEMA_VERSION
from bench.train.settings import Stateful, TrainSettings
from models import get_model

# regime (models' ModelSpec.regime) -> the settings only its models' cells carry, None: no own settings
REGIMES: dict[str, type | None] = {"windowed": None, "stateful": Stateful}


def regime_settings(regime: str) -> dict:
    """The settings a regime's cells carry, at their defaults (e.g. the stateful models' bptt, streams)."""
    own = REGIMES[regime]
    return asdict(own()) if own is not None else {}


@dataclass(frozen=True)
class ModelSize:
    """The shape a cell builds its models at."""

    window: int  # T: steps a windowed model reads
    hidden: int  # at the task's size; with match_params, each model's is chosen in the worker
    layers: int
    # equal parameter budgets (bench.run.matching): True, the GRU's count at the task's hidden size;
    # a model's name (a grid's capacity control), that model's count at its own hidden size, match_hidden
    match_params: bool | str = False
    match_hidden: int | None = None


def train_settings(settings: Mapping, classification: bool = False) -> TrainSettings:
    """A cell's resolved settings -> the training loop's settings (checked as they are made)."""
    return TrainSettings(epochs=settings["epochs"], lr=settings["lr"], batch_size=settings["batch_size"],
                         optimizer=settings["optimizer"], shuffle=settings["shuffle"], patience=settings["patience"],
                         clip=settings["clip"], classification=classification,
                         min_delta=settings.get("min_delta", 0.0))


@dataclass(frozen=True)
class CellConfig:
    task: str
    model: str
    profile: str
    device: str  # device type, "cpu" or "cuda": timings differ, and so may numbers
    settings: tuple[tuple[str, object], ...]  # sorted (name, value) pairs, hashable

    def __post_init__(self):  # parsed now, so that a bad value is refused when the cell is planned
        try:
            self.training, self.size, self.stateful  # noqa: B018
        except KeyError as e:
            raise ValueError(f"task {self.task}, model {self.model} (profile {self.profile}): "
                             f"the settings lack {e}") from None
        except ValueError as e:
            raise ValueError(f"task {self.task}, model {self.model} (profile {self.profile}): {e}") from None

    @classmethod
    def make(cls, task: str, model: str, profile: str, device: str, settings: Mapping) -> "CellConfig":
        return cls(task, model, profile, device, tuple(sorted(settings.items())))

    @property
    def settings_dict(self) -> dict:
        """settings as a dict, name -> value (params would read as the model's parameters)."""
        return dict(self.settings)

    @cached_property
    def training(self) -> TrainSettings:
        """How the training loop runs (classification is the data's to say: the cell replaces it)."""
        return train_settings(self.settings_dict)

    @cached_property
    def size(self) -> ModelSize:
        settings = self.settings_dict
        return ModelSize(settings["window"], settings["hidden"], settings["layers"],
                         settings.get("match_params", False), settings.get("match_hidden"))

    @cached_property
    def stateful(self) -> Stateful | None:
        """The stateful regime's settings for a stateful model's cell, else None."""
        own = REGIMES[get_model(self.model).regime]
        if own is None:
            return None
        settings = self.settings_dict
        return own(**{f.name: settings[f.name] for f in fields(own)})

    @cached_property
    def data_seed(self) -> int:
        """The seed of the cell's data (e.g. the sine's noise); the run's seeds vary the members."""
        return self.settings_dict["data_seed"]

    @property
    def key(self) -> str:
        blob = json.dumps({"schema": SCHEMA_VERSION, **asdict(self)}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]
