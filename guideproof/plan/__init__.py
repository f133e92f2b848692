"""Which cells run: the cross product of a scenario's platforms and axes, the selection, and shared prefixes."""
