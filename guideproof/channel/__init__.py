"""The harness's local conda channel: build it from ``scenarios/channel/`` recipes, and serve it on 127.0.0.1."""
