"""Grid runner for MLP / RNN / LSTM / GRU on sequence prediction; ``python -m bench --help``."""

SCHEMA_VERSION = 1  # bump when a result row's meaning changes; part of every cell key
