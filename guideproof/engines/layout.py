"""Where things are inside a cell's container, and which variables name a CA bundle: one place for both.

The provisioning script (:mod:`guideproof.engines.images`) creates what these name, the container engine
runs cells there, and the local engine lets the CA variables through. The image tag is a hash of the
provisioning recipe, so changing a path here builds new images.
"""

from __future__ import annotations

USER = "user"  # the unprivileged user a cell runs as (passwordless sudo)
HOME = f"/home/{USER}"
WORKDIR = f"{HOME}/work"  # a cell's bash starts here, in an empty directory
CA_DIR = "/usr/local/share/harness"
CA_IN_CONTAINER = f"{CA_DIR}/host-ca.crt"  # the host's CA bundle, copied into each container
CONTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Variables that name a whole CA bundle file, in the order a host's bundle is looked for.
CA_BUNDLE_VARIABLES = ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")
# Set to the copied bundle in every container: the bundle variables, and node's extra CAs.
CA_VARIABLES = (*CA_BUNDLE_VARIABLES, "NODE_EXTRA_CA_CERTS")
# Let through from the host by the local engine (a directory of CAs is fine there).
CA_HOST_VARIABLES = (*CA_VARIABLES, "SSL_CERT_DIR")
SYSTEM_CA = "/etc/ssl/certs/ca-certificates.crt"  # Debian's bundle: the host's when no variable names one
