"""Scenario sweeps: vary channels and coefficients over a design, replicate with common random
numbers, run in a process pool or on Dask, store every run as it finishes, resume after a stop.

Entry points: :func:`sim.sweep.runner.run_sweep` (``bordersim sweep``) and
:func:`sim.sweep.compare.compare` (``bordersim compare``).
"""
