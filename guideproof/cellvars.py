"""The environment variables guideproof itself sets in a cell: named once, for the code that sets them
and for the docs build, which refuses a visible command that names one.

A reader who copies ``cx create -c "$CONDA_CHANNEL"`` gets an empty channel: these variables exist only
in guideproof's cells. A scenario may use them in ``#hidden`` steps (to point ``conda-forge`` at the run's
mirror, say); a command the docs show must not. This is ground: the Sphinx extension, the engines, the
channel and the planning code all import it, and it imports nothing.
"""

from __future__ import annotations

import re

# The conda channel conda scenarios use (--conda-channel), and the URL of the local channel the run serves.
CONDA_CHANNEL = "CONDA_CHANNEL"
LOCAL_CHANNEL = "LOCAL_CHANNEL"

# A --tool run pins the tool under test through a constraints file; the temporary name is unset again.
CONSTRAINTS_FILE = "GUIDEPROOF_CONSTRAINTS"
PIP_CONSTRAINT = "PIP_CONSTRAINT"
UV_CONSTRAINT = "UV_CONSTRAINT"
# A --tool run of a local build puts the directory it was copied to first in these (pip: spaces, uv: commas).
PIP_FIND_LINKS = "PIP_FIND_LINKS"
UV_FIND_LINKS = "UV_FIND_LINKS"

# Variables that name a whole CA bundle file, in the order a host's bundle is looked for.
CA_BUNDLE_VARIABLES = ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")
# Set to the copied bundle in every container: the bundle variables, and node's extra CAs.
CA_VARIABLES = (*CA_BUNDLE_VARIABLES, "NODE_EXTRA_CA_CERTS")

# Set in every cell so that output does not depend on the day's PyPI (pip's "new release" notice).
STEADY = {"PIP_DISABLE_PIP_VERSION_CHECK": "1"}

GUIDEPROOF_SET: frozenset[str] = frozenset(
    {
        CONDA_CHANNEL,
        LOCAL_CHANNEL,
        CONSTRAINTS_FILE,
        PIP_CONSTRAINT,
        UV_CONSTRAINT,
        PIP_FIND_LINKS,
        UV_FIND_LINKS,
        *CA_VARIABLES,
        *STEADY,
    }
)

_NAMED = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(sorted(GUIDEPROOF_SET)) + r")(?![A-Za-z0-9_])")


def named_in(command: str) -> list[str]:
    """Guideproof-set variables ``command`` names as a word (``$NAME``, ``${NAME}``, ``NAME=``, ``"NAME"``), sorted."""
    return sorted(set(_NAMED.findall(command)))
