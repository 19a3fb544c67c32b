"""Training: a series becomes windows (windows, scalers, targets), stacked members train on them
(loop: the windowed regime; stateful: truncated BPTT over streams; strings: whole strings;
walkforward: a model per test block; lecture_loop: the lecture's own loop, for speed), with the
suite's optimisers (optim), told what to do by frozen settings (settings). Knows nothing of tasks,
grids, the store or reports; this file imports nothing, so that the command line stays quick."""
