"""Running a grid: plan its cells (grids, runner, config), hand them to an executor (executors,
slots, layout: in this process, a pool of workers or a Dask cluster), and in a worker run one cell
(cell: build the task's data, train its stacked members, score them, return a record). Only the
coordinating process writes the store. Imports the rooms below it (store, train, tasks), never
outputs or the commands; this file imports nothing, so that the command line stays quick."""
