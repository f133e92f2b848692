"""Which cells run: the cross product of a scenario's platforms and axes, the user's selection, and --tool versions."""
