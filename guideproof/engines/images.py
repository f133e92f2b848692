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
from guideproof.matrix.model import Image, Platform

RECIPE_VERSION = "1"
SOURCES = ("auto", "registry", "debootstrap")
PULL_TIMEOUT = 300.0
BOOTSTRAP_TIMEOUT = 1200.0
PROVISION_TIMEOUT = 900.0
DEBIAN_MIRROR = "http://deb.debian.org/debian"  # where a newer debootstrap and keyrings come from
DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"  # the host's: what apt checks them against

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
    # Alpine: bash is added because guideproof's shell is bash; the scenarios say so where it matters.
    "alpine": rf"""set -eu
apk add --no-cache python3 sudo ca-certificates bash
id {USER} >/dev/null 2>&1 || adduser -D -s /bin/bash {USER}
"""
    + _USER,
}


def debian_sources(
    suite: str, mirror: str, components: tuple[str, ...] = ("main",), security: str | None = None
) -> str:
    """The APT sources a server of the distribution has: the release, its updates and its security pocket."""
    if security is None:
        security = mirror.replace("/debian", "/debian-security") if mirror.endswith("/debian") else mirror
    parts = " ".join(components)
    return (
        f"deb {mirror} {suite} {parts}\ndeb {mirror} {suite}-updates {parts}\ndeb {security} {suite}-security {parts}\n"
    )


def image_sources(image: Image) -> str:
    """The APT sources written into a bootstrapped root file system."""
    assert image.debootstrap_suite is not None
    return debian_sources(
        image.debootstrap_suite, image.debootstrap_mirror, image.debootstrap_components, image.debootstrap_security
    )


def provisioning(platform: Platform) -> str:
    """The shell script that provisions ``platform``'s base image."""
    script = PROVISION.get(platform.image.provision)
    if script is None:
        raise EngineError(f"platform {platform.name}: no provisioning recipe for {platform.image.provision!r}")
    return script


def recipe(platform: Platform, source: str) -> str:
    """Everything an image is made from: its hash is the image's tag."""
    image = platform.image
    sources = image_sources(image) if image.debootstrap_suite else ""
    tools = []
    if image.debootstrap_tools:  # only then: the tags of the images made with the host's debootstrap stay
        tools = [f"tools {image.debootstrap_tools} {image.debootstrap_keyring_package} {image.debootstrap_keyring}"]
    return "\n".join(
        [
            f"recipe {RECIPE_VERSION}",
            f"registry {image.registry}",
            f"debootstrap {image.debootstrap_suite}",
            f"mirror {image.debootstrap_mirror}",
            *tools,
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
        return f"guideproof/{platform.name}:{recipe_digest(platform, self.source)}"

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
        """Bootstrap a minimal root file system from the distribution's mirror and import it as a base image."""
        image = platform.image
        suite = image.debootstrap_suite
        assert suite is not None
        tool = shutil.which("debootstrap")
        if (tool is None and not image.debootstrap_tools) or os.geteuid() != 0:
            raise EngineError(
                f"platform {platform.name}: building from the distribution's mirror needs root and debootstrap "
                "(apt-get install debootstrap), or an image registry that answers (--image-source registry)"
            )
        argv, env = [tool or "debootstrap"], None
        if image.debootstrap_tools and image.debootstrap_keyring:
            tools = debootstrap_tools(image, progress)
            keyring = tools / image.debootstrap_keyring.lstrip("/")
            argv = [str(tools / "usr/sbin/debootstrap"), f"--keyring={keyring}"]
            env = {**os.environ, "DEBOOTSTRAP_DIR": str(tools / "usr/share/debootstrap")}
        base = f"guideproof-base/{platform.name}:{recipe_digest(platform, self.source)}"
        with tempfile.TemporaryDirectory(prefix="guideproof-rootfs-", dir="/var/tmp") as tmp:
            rootfs = Path(tmp) / "rootfs"
            print(f"  debootstrap {suite} from {image.debootstrap_mirror}", file=progress, flush=True)
            argv += ["--variant=minbase", "--include=ca-certificates,python3,sudo", suite, str(rootfs)]
            run_command([*argv, image.debootstrap_mirror], timeout=BOOTSTRAP_TIMEOUT, progress=progress, env=env)
            (rootfs / "etc/apt/sources.list").write_text(image_sources(image))
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
        name = f"guideproof-provision-{platform.name}-{os.getpid()}"
        print(f"  provisioning (python3, sudo, ca-certificates, user '{USER}') from {base}", file=progress, flush=True)
        try:
            args = ["run", "--name", name, "--network", self.network, "-u", "root", base, "sh", "-c", script]
            self.cli(*args, timeout=PROVISION_TIMEOUT, progress=progress)
            change = ["--change", 'CMD ["sleep", "infinity"]', "--change", "USER root"]
            self.cli("commit", *change, name, tag, timeout=PROVISION_TIMEOUT)
        finally:
            self.cli("rm", "-f", name, timeout=60, check=False)


def tools_directory(release: str) -> Path:
    """Where the debootstrap of Debian ``release`` is unpacked: ``$XDG_CACHE_HOME/guideproof/debootstrap-RELEASE``."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "guideproof" / f"debootstrap-{release}"


def debootstrap_tools(image: Image, progress: TextIO) -> Path:
    """The root of an unpacked ``debootstrap`` and keyring package of Debian ``image.debootstrap_tools``.

    apt downloads them with a private sources list (the host's own sources and state are left alone) and
    checks them against the Release file signed by Debian's archive keys (the host's debian-archive-keyring),
    so no checksum is typed by hand; dpkg-deb unpacks them without installing anything.
    """
    release, package = image.debootstrap_tools, image.debootstrap_keyring_package
    assert release and package and image.debootstrap_keyring
    root = tools_directory(release)
    packages = ["debootstrap", package]
    done = root / "packages"
    if done.is_file() and done.read_text().split() == packages:
        return root / "root"
    print(f"  fetching {' and '.join(packages)} from Debian {release} (verified by apt)", file=progress, flush=True)
    shutil.rmtree(root, ignore_errors=True)
    apt = root / "apt"
    for sub in ("lists/partial", "cache/archives/partial", "parts", "debs"):
        (apt / sub).mkdir(parents=True, exist_ok=True)
    sources = apt / "sources.list"
    sources.write_text(f"deb [signed-by={DEBIAN_KEYRING}] {DEBIAN_MIRROR} {release} main\n")
    options = [
        f"-oDir::Etc::sourcelist={sources}",
        f"-oDir::Etc::sourceparts={apt / 'parts'}",
        f"-oDir::State::lists={apt / 'lists'}",
        f"-oDir::Cache={apt / 'cache'}",
        "-oAPT::Sandbox::User=root",
        "-qq",
    ]
    run_command(["apt-get", *options, "update"], timeout=BOOTSTRAP_TIMEOUT, progress=progress)
    run_command(
        ["apt-get", *options, "download", *packages], timeout=BOOTSTRAP_TIMEOUT, progress=progress, cwd=apt / "debs"
    )
    for deb in sorted((apt / "debs").glob("*.deb")):
        run_command(["dpkg-deb", "-x", str(deb), str(root / "root")], timeout=120)
    done.write_text("\n".join(packages) + "\n")
    return root / "root"
