"""Platform images: pulled from a registry or bootstrapped from the Debian mirror, then provisioned.

Provisioning adds only what a typical server of the distribution has (its default ``python3``,
``sudo``, CA certificates) plus the unprivileged ``user``. Never python3-venv, pip, compilers or
headers: the guide tells readers to install those, and the scenarios prove that instruction.
Images are tagged by a hash of their recipe (:func:`recipe`), so a changed recipe builds a new image.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from guideproof.engines.cli import ContainerCLI
from guideproof.engines.cli import run as run_command
from guideproof.engines.layout import CA_DIR, USER, WORKDIR
from guideproof.errors import EngineError
from guideproof.matrix.model import Platform

RECIPE_VERSION = "1"
SOURCES = ("auto", "registry", "debootstrap")
PULL_TIMEOUT = 300.0
BOOTSTRAP_TIMEOUT = 1200.0
PROVISION_TIMEOUT = 900.0

# The cell's user, its sudo rule, its empty working directory, and where the host CA bundle is copied.
_USER = rf"""
printf '{USER} ALL=(ALL) NOPASSWD:ALL\n' > /etc/sudoers.d/{USER}
chmod 0440 /etc/sudoers.d/{USER}
install -d -o {USER} -g {USER} -m 0755 {WORKDIR}
mkdir -p {CA_DIR}
"""

PROVISION = {
    # Debian and Ubuntu: python3, sudo, ca-certificates; apt lists removed as in the official images,
    # so a scenario must run 'apt-get update' exactly as the guide tells readers to.
    "debian": rf"""set -eu
export DEBIAN_FRONTEND=noninteractive
if ! dpkg -s python3 sudo ca-certificates >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends python3 sudo ca-certificates >/dev/null
fi
id {USER} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash {USER}
"""
    + _USER
    + r"""
apt-get clean
rm -rf /var/lib/apt/lists/*
""",
    "fedora": rf"""set -eu
dnf install -y -q python3 sudo ca-certificates shadow-utils
id {USER} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash {USER}
"""
    + _USER
    + r"""
dnf clean all
""",
    # Alpine: bash is added because the harness's shell is bash; the scenarios say so where it matters.
    "alpine": rf"""set -eu
apk add --no-cache python3 sudo ca-certificates bash
id {USER} >/dev/null 2>&1 || adduser -D -s /bin/bash {USER}
"""
    + _USER,
}


def debian_sources(suite: str, mirror: str) -> str:
    """The APT sources a Debian server has: the release, its updates and its security suite."""
    security = mirror.replace("/debian", "/debian-security") if mirror.endswith("/debian") else mirror
    return f"deb {mirror} {suite} main\ndeb {mirror} {suite}-updates main\ndeb {security} {suite}-security main\n"


def provisioning(platform: Platform) -> str:
    """The shell script that provisions ``platform``'s base image."""
    script = PROVISION.get(platform.image.provision)
    if script is None:
        raise EngineError(f"platform {platform.name}: no provisioning recipe for {platform.image.provision!r}")
    return script


def recipe(platform: Platform, source: str) -> str:
    """Everything an image is made from: its hash is the image's tag."""
    image = platform.image
    sources = debian_sources(image.debootstrap_suite, image.debootstrap_mirror) if image.debootstrap_suite else ""
    return "\n".join(
        [
            f"recipe {RECIPE_VERSION}",
            f"registry {image.registry}",
            f"debootstrap {image.debootstrap_suite}",
            f"mirror {image.debootstrap_mirror}",
            f"source {source}",
            sources,
            provisioning(platform),
        ]
    )


def recipe_digest(platform: Platform, source: str) -> str:
    return hashlib.sha256(recipe(platform, source).encode()).hexdigest()[:12]


class ImageBuilder:
    """Makes (or finds, by tag) the provisioned image of a platform: base image, then provisioning."""

    def __init__(
        self, cli: ContainerCLI, image_source: str = "auto", network: str | Callable[[], str] = "host"
    ) -> None:
        if image_source not in SOURCES:
            raise EngineError(f"--image-source must be auto, registry or debootstrap, not {image_source!r}")
        self.cli = cli
        self.source = image_source
        self._network = network  # a name, or how to choose one (the engine's, chosen when first needed)

    @property
    def network(self) -> str:
        return self._network() if callable(self._network) else self._network

    def tag(self, platform: Platform) -> str:
        return f"harness/{platform.name}:{recipe_digest(platform, self.source)}"

    def exists(self, tag: str) -> bool:
        return self.cli("image", "inspect", tag, timeout=60, check=False).code == 0

    def ensure(self, platform: Platform, progress: TextIO, rebuild: bool = False) -> str:
        """The platform's image tag, building the image first unless it exists (or ``rebuild``)."""
        tag = self.tag(platform)
        if not rebuild and self.exists(tag):
            print(f"image {tag}: cached", file=progress, flush=True)
            return tag
        started = time.monotonic()
        print(f"image {tag}: building", file=progress, flush=True)
        base = self._base(platform, progress)
        self._provision(platform, base, tag, progress)
        print(f"image {tag}: built in {time.monotonic() - started:.0f} s", file=progress, flush=True)
        return tag

    def _base(self, platform: Platform, progress: TextIO) -> str:
        """The unprovisioned image: pulled from the registry, or bootstrapped (``auto``: the first that works)."""
        image = platform.image
        errors = []
        if self.source in ("auto", "registry") and image.registry:
            print(f"  pulling {image.registry}", file=progress, flush=True)
            done = self.cli("pull", image.registry, timeout=PULL_TIMEOUT, check=False)
            if done.code == 0:
                return image.registry
            errors.append(f"pull {image.registry}: {done.message.splitlines()[-1:] or ['failed']}")
            if self.source == "registry":
                raise EngineError(f"platform {platform.name}: {errors[-1]}")
            print("  pull failed; falling back to debootstrap", file=progress, flush=True)
        if self.source in ("auto", "debootstrap") and image.debootstrap_suite:
            return self._debootstrap(platform, progress)
        why = "; ".join(errors) or f"image source {self.source!r} does not apply to it"
        raise EngineError(f"platform {platform.name}: no way to make its image ({why})")

    def _debootstrap(self, platform: Platform, progress: TextIO) -> str:
        """Bootstrap a minimal Debian root file system from the mirror and import it as a base image."""
        image = platform.image
        suite = image.debootstrap_suite
        assert suite is not None
        tool = shutil.which("debootstrap")
        if tool is None or os.geteuid() != 0:
            raise EngineError(
                f"platform {platform.name}: building from the Debian mirror needs root and debootstrap "
                "(apt-get install debootstrap), or an image registry that answers (--image-source registry)"
            )
        base = f"harness-base/{platform.name}:{recipe_digest(platform, self.source)}"
        with tempfile.TemporaryDirectory(prefix="harness-rootfs-", dir="/var/tmp") as tmp:
            rootfs = Path(tmp) / "rootfs"
            print(f"  debootstrap {suite} from {image.debootstrap_mirror}", file=progress, flush=True)
            argv = [tool, "--variant=minbase", "--include=ca-certificates,python3,sudo", suite, str(rootfs)]
            run_command([*argv, image.debootstrap_mirror], timeout=BOOTSTRAP_TIMEOUT, progress=progress)
            (rootfs / "etc/apt/sources.list").write_text(debian_sources(suite, image.debootstrap_mirror))
            print(f"  importing rootfs as {base}", file=progress, flush=True)
            self._import(rootfs, base)
        return base

    def _import(self, rootfs: Path, tag: str) -> None:
        """``tar -C rootfs -c . | <cli> import - tag``."""
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        try:
            self.cli("import", "-", tag, timeout=BOOTSTRAP_TIMEOUT, stdin=tar.stdout)
        finally:
            if tar.stdout:
                tar.stdout.close()
            tar.wait(timeout=60)

    def _provision(self, platform: Platform, base: str, tag: str, progress: TextIO) -> None:
        """Run the provisioning script in a container of ``base`` and commit the result as ``tag``."""
        script = provisioning(platform)
        name = f"harness-provision-{platform.name}-{os.getpid()}"
        print(f"  provisioning (python3, sudo, ca-certificates, user '{USER}') from {base}", file=progress, flush=True)
        try:
            args = ["run", "--name", name, "--network", self.network, "-u", "root", base, "sh", "-c", script]
            self.cli(*args, timeout=PROVISION_TIMEOUT, progress=progress)
            change = ["--change", 'CMD ["sleep", "infinity"]', "--change", "USER root"]
            self.cli("commit", *change, name, tag, timeout=PROVISION_TIMEOUT)
        finally:
            self.cli("rm", "-f", name, timeout=60, check=False)
