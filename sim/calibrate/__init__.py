"""Calibration of the model's coefficients to the public record (ABC-SMC with pyabc) and screening.

``sim.calibrate.spec`` reads a calibration file, ``targets`` turns runs into the observed patterns and
the distance to the record, ``sampler`` runs pyabc's particles on the sweep's executors, ``run`` drives
the generations (new or resumed), ``posterior`` reads the history back, ``screening`` is the Morris
screening that chose the coefficients to calibrate.
"""
