"""Pure mathematics of the model: combat laws, detection, pockets; no model state, no randomness."""
