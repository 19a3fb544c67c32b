"""A cell: one (task, model, settings) measured over several seeds; its key hashes everything
that changes the measurement, plus the result-schema version."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Mapping

from bench import SCHEMA_VERSION


@dataclass(frozen=True)
class CellConfig:
    task: str
    model: str
    profile: str
    device: str  # device type, "cpu" or "cuda": timings differ, and so may numbers
    settings: tuple[tuple[str, object], ...]  # sorted (name, value) pairs, hashable

    @classmethod
    def make(cls, task: str, model: str, profile: str, device: str, settings: Mapping) -> "CellConfig":
        return cls(task, model, profile, device, tuple(sorted(settings.items())))

    @property
    def settings_dict(self) -> dict:
        """settings as a dict, name -> value (params would read as the model's parameters)."""
        return dict(self.settings)

    @property
    def key(self) -> str:
        blob = json.dumps({"schema": SCHEMA_VERSION, **asdict(self)}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]
