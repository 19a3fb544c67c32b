"""The profile registry: named sets of per-task defaults (each task holds its values per profile)."""
from __future__ import annotations

from dataclasses import dataclass

from bench.errors import UserError


@dataclass(frozen=True)
class Profile:
    name: str
    description: str


PROFILES: dict[str, Profile] = {
    "quick": Profile("quick", "the default: the whole grid in minutes on a laptop CPU, held-out test data"),
    "seed": Profile("seed", "the lecture notebook's exact protocol, quirks included (see the report's notes)"),
    "full": Profile("full", "larger series, models and epochs, for a GPU"),
}


def get_profile(name: str) -> Profile:
    if name not in PROFILES:
        raise UserError(f"unknown profile {name!r}; choose from {', '.join(PROFILES)}")
    return PROFILES[name]
