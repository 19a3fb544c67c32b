"""What a run keeps: the SQLite result store (db: one row per cell key and seed), its checks
before a run touches it (check), one writer per folder (lock), and the stored learning-rate
selection (rates, rates.json). Imports only the base modules of bench; this file imports nothing,
so that the command line stays quick."""
