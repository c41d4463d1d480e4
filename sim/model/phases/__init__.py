"""The day's phases, one module each; a phase reads the model and the day's picture, agents decide."""
