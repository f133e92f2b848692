"""Decide, once per run, which scenario requirements this run can meet, and say why not."""

from __future__ import annotations

import re
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping

from guideproof.engines.base import Engine
from guideproof.matrix.model import Matrix, Platform
from guideproof.scenario.model import Step

PROBE_TIMEOUT = 3.0
_SUDO = re.compile(r"(^|[;&|(`]|\$\()\s*sudo\b", re.MULTILINE)


def uses_sudo(steps: Iterable[Step]) -> bool:
    """Does a command run ``sudo`` (at its start, or after ``;``, ``&&``, ``|``, ``(``, `` ` `` or ``$(``)?"""
    return any(_SUDO.search(step.command) for step in steps)


def reach(url: str) -> str | None:
    """None when ``url`` answers within a few seconds, else why not."""
    try:
        context = ssl.create_default_context()
        request = urllib.request.Request(url, method="HEAD")
        with urllib.request.urlopen(request, timeout=PROBE_TIMEOUT, context=context):  # noqa: S310
            return None
    except urllib.error.HTTPError as exc:
        return None if exc.code < 500 else f"HTTP {exc.code}"
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable", with its text
        return str(getattr(exc, "reason", exc)) or type(exc).__name__


class Requirements:
    """Which of a scenario's ``requires`` this run meets, each decided once and cached with its reason.

    ``root`` is met by engines that can run ``sudo`` (and is implied by a step that runs it); ``local:``
    probes are answered by the run itself (``local``); ``url:`` probes ask the network unless ``--offline``.
    """

    def __init__(
        self,
        matrix: Matrix,
        engine: Engine,
        offline: bool,
        probe: Callable[[str], str | None] = reach,
        local: Mapping[str, str | None] | None = None,
    ) -> None:
        self.matrix = matrix
        self.local = dict(local or {})  # "local:<name>" probes this run answers: None when met, else why not
        self.engine = engine
        self.offline = offline
        self.probe = probe
        self._cache: dict[str, str | None] = {}

    def unmet(self, names: Iterable[str], steps: Iterable[Step] = (), platform: Platform | None = None) -> str | None:
        """None when every requirement is met, else why the first unmet one is not (a skip reason). A cell's
        requirements are its platform's (e.g. the distribution's archive) and then its scenario's ``names``."""
        wanted = [*(platform.requires if platform else ()), *names]
        if "root" not in wanted and uses_sudo(steps):
            wanted.append("root")
        for name in wanted:
            reason = self._cache[name] if name in self._cache else self._check(name)
            self._cache[name] = reason
            if reason:
                return reason
        return None

    def _check(self, name: str) -> str | None:
        if name == "root":
            if self.engine.can_root:
                return None
            return f"needs root (sudo): the {self.engine.name} engine never runs privileged commands"
        requirement = self.matrix.requirement(name)
        if requirement.probe and requirement.probe.startswith("local:"):  # served by this run: not the network
            return self.local.get(requirement.probe, f"needs {name}: this run provides no {requirement.probe}")
        if self.offline and name != "root":
            return f"needs {name} ({requirement.description}); --offline was given"
        if requirement.probe and requirement.probe.startswith("url:"):
            url = requirement.probe[4:]
            why = self.probe(url)
            if why:
                return f"needs {name}: {url} is not reachable from this machine ({why})"
        return None
