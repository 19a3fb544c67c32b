"""From the store to files: the run manifest and the report process (write), the tables' and
report's inputs read from the store (report_inputs, answer_inputs, report_rates,
assignment2_answers), figures (figures, window_study, drawn in forked processes by fork_map). The
words and layout come from reports/; this room reads the store and the tasks and is read only by
the commands. This file imports nothing, so that the command line stays quick."""
