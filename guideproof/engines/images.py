"""Platform images: pulled from a registry or bootstrapped from the Debian mirror, then provisioned.

Provisioning adds only what a typical server of the distribution has (its default ``python3``,
``sudo``, CA certificates) plus the unprivileged ``user``. Never python3-venv, pip, compilers or
headers: the guide tells readers to install those, and the scenarios prove that instruction.
Images are tagged by a hash of their recipe, so a changed recipe builds a new image.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TextIO

from guideproof.errors import EngineError
from guideproof.matrix.model import Platform

RECIPE_VERSION = "1"
PULL_TIMEOUT = 300.0
BOOTSTRAP_TIMEOUT = 1200.0
PROVISION_TIMEOUT = 900.0

_USER = r"""
printf 'user ALL=(ALL) NOPASSWD:ALL\n' > /etc/sudoers.d/user
chmod 0440 /etc/sudoers.d/user
install -d -o user -g user -m 0755 /home/user/work
mkdir -p /usr/local/share/harness
"""

PROVISION = {
    # Debian and Ubuntu: python3, sudo, ca-certificates; apt lists removed as in the official images,
    # so a scenario must run 'apt-get update' exactly as the guide tells readers to.
    "debian": r"""set -eu
export DEBIAN_FRONTEND=noninteractive
if ! dpkg -s python3 sudo ca-certificates >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends python3 sudo ca-certificates >/dev/null
fi
id user >/dev/null 2>&1 || useradd --create-home --shell /bin/bash user
"""
    + _USER
    + r"""
apt-get clean
rm -rf /var/lib/apt/lists/*
""",
    "fedora": r"""set -eu
dnf install -y -q python3 sudo ca-certificates shadow-utils
id user >/dev/null 2>&1 || useradd --create-home --shell /bin/bash user
"""
    + _USER
    + r"""
dnf clean all
""",
    # Alpine: bash is added because the harness's shell is bash; the scenarios say so where it matters.
    "alpine": r"""set -eu
apk add --no-cache python3 sudo ca-certificates bash
id user >/dev/null 2>&1 || adduser -D -s /bin/bash user
"""
    + _USER,
}


def debian_sources(suite: str, mirror: str) -> str:
    """The APT sources a Debian server has: the release, its updates and its security suite."""
    security = mirror.replace("/debian", "/debian-security") if mirror.endswith("/debian") else mirror
    return f"deb {mirror} {suite} main\ndeb {mirror} {suite}-updates main\ndeb {security} {suite}-security main\n"


class ImageBuilder:
    def __init__(self, cli: str, image_source: str = "auto", network: str = "host") -> None:
        if image_source not in ("auto", "registry", "debootstrap"):
            raise EngineError(f"--image-source must be auto, registry or debootstrap, not {image_source!r}")
        self.cli = cli
        self.source = image_source
        self.network = network

    def recipe(self, platform: Platform) -> str:
        image = platform.image
        script = PROVISION.get(image.provision)
        if script is None:
            raise EngineError(f"platform {platform.name}: no provisioning recipe for {image.provision!r}")
        sources = debian_sources(image.debootstrap_suite, image.debootstrap_mirror) if image.debootstrap_suite else ""
        return "\n".join(
            [
                f"recipe {RECIPE_VERSION}",
                f"registry {image.registry}",
                f"debootstrap {image.debootstrap_suite}",
                f"mirror {image.debootstrap_mirror}",
                f"source {self.source}",
                sources,
                script,
            ]
        )

    def tag(self, platform: Platform) -> str:
        digest = hashlib.sha256(self.recipe(platform).encode()).hexdigest()[:12]
        return f"harness/{platform.name}:{digest}"

    def exists(self, tag: str) -> bool:
        done = subprocess.run([self.cli, "image", "inspect", tag], capture_output=True, check=False, timeout=60)
        return done.returncode == 0

    def ensure(self, platform: Platform, progress: TextIO, rebuild: bool = False) -> str:
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
        image = platform.image
        errors = []
        if self.source in ("auto", "registry") and image.registry:
            print(f"  pulling {image.registry}", file=progress, flush=True)
            done = self._run([self.cli, "pull", image.registry], PULL_TIMEOUT, check=False)
            if done.returncode == 0:
                return image.registry
            errors.append(f"pull {image.registry}: {done.stdout.strip().splitlines()[-1:] or ['failed']}")
            if self.source == "registry":
                raise EngineError(f"platform {platform.name}: {errors[-1]}")
            print("  pull failed; falling back to debootstrap", file=progress, flush=True)
        if self.source in ("auto", "debootstrap") and image.debootstrap_suite:
            return self._debootstrap(platform, progress)
        why = "; ".join(errors) or f"image source {self.source!r} does not apply to it"
        raise EngineError(f"platform {platform.name}: no way to make its image ({why})")

    def _debootstrap(self, platform: Platform, progress: TextIO) -> str:
        image = platform.image
        suite = image.debootstrap_suite
        assert suite is not None
        tool = shutil.which("debootstrap")
        if tool is None or os.geteuid() != 0:
            raise EngineError(
                f"platform {platform.name}: building from the Debian mirror needs root and debootstrap "
                "(apt-get install debootstrap), or an image registry that answers (--image-source registry)"
            )
        base = f"harness-base/{platform.name}:{hashlib.sha256(self.recipe(platform).encode()).hexdigest()[:12]}"
        with tempfile.TemporaryDirectory(prefix="harness-rootfs-", dir="/var/tmp") as tmp:
            rootfs = Path(tmp) / "rootfs"
            print(f"  debootstrap {image.debootstrap_suite} from {image.debootstrap_mirror}", file=progress, flush=True)
            self._run(
                [
                    tool,
                    "--variant=minbase",
                    "--include=ca-certificates,python3,sudo",
                    suite,
                    str(rootfs),
                    image.debootstrap_mirror,
                ],
                BOOTSTRAP_TIMEOUT,
                progress=progress,
            )
            (rootfs / "etc/apt/sources.list").write_text(debian_sources(suite, image.debootstrap_mirror))
            print(f"  importing rootfs as {base}", file=progress, flush=True)
            tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
            try:
                done = subprocess.run(
                    [self.cli, "import", "-", base],
                    stdin=tar.stdout,
                    capture_output=True,
                    timeout=BOOTSTRAP_TIMEOUT,
                    check=False,
                )
            finally:
                if tar.stdout:
                    tar.stdout.close()
                tar.wait(timeout=60)
            if done.returncode != 0:
                raise EngineError(f"{self.cli} import failed: {done.stderr.decode(errors='replace').strip()}")
        return base

    def _provision(self, platform: Platform, base: str, tag: str, progress: TextIO) -> None:
        script = PROVISION[platform.image.provision]
        name = f"harness-provision-{platform.name}-{os.getpid()}"
        print(f"  provisioning (python3, sudo, ca-certificates, user 'user') from {base}", file=progress, flush=True)
        try:
            self._run(
                [self.cli, "run", "--name", name, "--network", self.network, "-u", "root", base, "sh", "-c", script],
                PROVISION_TIMEOUT,
                progress=progress,
            )
            self._run(
                [self.cli, "commit", "--change", 'CMD ["sleep", "infinity"]', "--change", "USER root", name, tag],
                PROVISION_TIMEOUT,
            )
        finally:
            subprocess.run([self.cli, "rm", "-f", name], capture_output=True, check=False, timeout=60)

    def _run(
        self, argv: list[str], timeout: float, check: bool = True, progress: TextIO | None = None
    ) -> subprocess.CompletedProcess[str]:
        try:
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        except FileNotFoundError:
            raise EngineError(f"{argv[0]} is not installed") from None
        lines: list[str] = []
        deadline = time.monotonic() + timeout
        assert proc.stdout
        for line in proc.stdout:
            lines.append(line)
            if progress is not None:
                print(f"    {line.rstrip()}", file=progress, flush=True)
            if time.monotonic() > deadline:
                proc.kill()
                break
        code = proc.wait(timeout=60)
        out = "".join(lines)
        if time.monotonic() > deadline:
            raise EngineError(f"'{' '.join(argv[:3])}' did not finish within {timeout:g} s")
        if check and code != 0:
            tail = "\n".join(out.strip().splitlines()[-15:])
            raise EngineError(f"'{' '.join(argv[:3])} ...' failed (exit {code}):\n{tail}")
        return subprocess.CompletedProcess(argv, code, out, "")
