"""Engines run a cell's bash somewhere: on the host (local.py) or in a container (container.py).

registry.py names them; base.py is the interface; shell.py speaks to the bash; layout.py says where things are
in a container; cli.py calls the container CLI; images.py makes the platform images.
"""
