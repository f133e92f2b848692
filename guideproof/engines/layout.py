"""Where things are inside a cell's container, and which variables name a CA bundle: one place for both.

The provisioning script (:mod:`guideproof.engines.images`) creates what these name, the container engine
runs cells there, and the local engine lets the CA variables through. The image tag is a hash of the
provisioning recipe, so changing a path here builds new images.
"""

from __future__ import annotations

from guideproof import cellvars

USER = "user"  # the unprivileged user a cell runs as (passwordless sudo)
HOME = f"/home/{USER}"
WORKDIR = f"{HOME}/work"  # a cell's bash starts here, in an empty directory
CA_DIR = "/usr/local/share/guideproof"
CA_IN_CONTAINER = f"{CA_DIR}/host-ca.crt"  # the host's CA bundle, copied into each container
FILES_DIR = "/opt/guideproof-files"  # files a run copies into each cell (tool builds under test)
CONTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# The CA variables' names live with every other variable guideproof sets in a cell (guideproof.cellvars),
# where the docs build reads them too: CA_BUNDLE_VARIABLES name a whole bundle file, in the order a host's
# bundle is looked for; CA_VARIABLES are set to the copied bundle in every container.
CA_BUNDLE_VARIABLES = cellvars.CA_BUNDLE_VARIABLES
CA_VARIABLES = cellvars.CA_VARIABLES
# Let through from the host by the local engine (a directory of CAs is fine there).
CA_HOST_VARIABLES = (*CA_VARIABLES, "SSL_CERT_DIR")
SYSTEM_CA = "/etc/ssl/certs/ca-certificates.crt"  # Debian's bundle: the host's when no variable names one
