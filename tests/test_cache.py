"""One cache folder for everything computed or downloaded once per machine: $SEQBENCH_CACHE, else
$XDG_CACHE_HOME/seqbench, else ~/.cache/seqbench; π digits, Fashion-MNIST and the kernels all use it."""
import numpy as np
import pytest

from bench.tasks import TASKS
from bench.tasks.base import Unavailable
from sequences import pi
from sequences.cache import cache_dir


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SEQBENCH_CACHE", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("SEQBENCH_CACHE")
    assert cache_dir() == tmp_path / "xdg" / "seqbench"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "seqbench"


def test_every_user_of_the_cache_reads_the_same_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("SEQBENCH_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert pi.pi_digits(5).meta["cache"] == str(tmp_path / "seqbench" / pi.CACHE_NAME)
    task = TASKS["fashion-mnist"]
    with pytest.raises(Unavailable, match=str(tmp_path / "seqbench" / "fashion-mnist")):
        task.build({**task.settings("quick"), "fashion_mnist_dir": None}, np.random.default_rng(0))
