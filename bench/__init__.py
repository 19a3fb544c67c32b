"""Grid runner for MLP / RNN / LSTM / GRU on sequence prediction; ``python -m bench --help``.

The sub-packages follow a run, from the bottom up: store, train, tasks, run, outputs; the commands
(cli, validate, compare, speed) sit on top (docs/design.md, "Rooms").
"""

SCHEMA_VERSION = 1  # bump when a result row's meaning changes; part of every cell key
