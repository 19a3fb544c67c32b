"""Tables, statistics and figures: pure functions of the tidy results table and stored arrays.

Nothing here imports ``bench``; the dependency runs one way (bench -> reports).
"""
