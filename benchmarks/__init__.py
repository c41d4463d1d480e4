"""Performance benchmarks of bordersim: ``python -m benchmarks [--quick] [--out PATH]``.

One command measures, on one machine in one go:

a. the median wall time of a 180-day ``pockets_2018`` run (in process, imports excluded) and of a
   whole ``bordersim run`` process (import, run, outputs, plots);
b. agent-steps per second of bordersim beside Mesa's bundled Epstein civil-violence example at the
   same number of agents (agents activated per step x steps, counted the same way for both);
c. the time of each phase of the day (the phase methods of one model instance wrapped in timers);
d. scaling with the grid: the same scenario at 0.1, 0.05 and 0.025 degree cells;
e. sweep throughput (runs/s) through ``sim.sweep`` with 1 and 2 worker processes;
f. peak memory: max RSS of ``bordersim run`` processes and of the sweep's worker processes.

Results go to ``benchmarks/results/latest.json`` (with the machine's description and its load) and
the table in ``docs/performance.md`` is refreshed. Timings are medians: other work on the machine
makes single measurements noisy, and the JSON records the load average before and after.
"""
