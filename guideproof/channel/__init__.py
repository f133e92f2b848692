"""The local conda channel: built from ``scenarios/channel/`` recipes (build.py), served on 127.0.0.1 (serve.py)."""
