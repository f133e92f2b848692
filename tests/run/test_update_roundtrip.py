"""--update-expected as a property: any output bytes -> update -> reparse -> the step matches; a second update
of the same run changes nothing. Through the runner's own judgement of a step, the writer and the parser."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from guideproof.engines.shell import CommandResult
from guideproof.matrix.model import Matrix
from guideproof.plan.cells import Cell
from guideproof.run.runner import check_step
from guideproof.scenario.parser import load
from guideproof.scenario.write import apply_updates

# Lines of the file before the step's output: the header and the command.
HEAD = "+++\ntitle = 'round trip'\n+++\nA note before.\n  $ cmd\n"
TAIL = "\nA note after.\n  $ true\n"
# What the step expected before the update: nothing checked, something wrong, patterns, "(no output)".
STARTS = ["", "  wrong\n", "  ...\n", "  *x* (glob)\n  ...\n", "  (no output)\n", "  [1]\n", "  $\n", "  x (no-eol)\n"]
# Bytes that are syntax somewhere (prompts, markers, escapes, line ends other than \n) are drawn more often.
PIECES = st.sampled_from(
    [b"$ ", b"> ", b"$", b">", b"...", b"[2]", b" (re)", b" (glob)", b" (esc)", b" (no-eol)", b"(no output)",
     b"\\", b"\r", b"\r\n", b"\x0c", b"\x0b", b"\x85", "\u2028".encode(), b"\xff", b"\t", b" ", b"x", b"\n", b"\x00"]
)  # fmt: skip
OUTPUT = st.one_of(st.binary(max_size=40), st.lists(PIECES, max_size=12).map(b"".join))


def step_of(path: Path, matrix: Matrix):
    scenario = load(path, path.parent, matrix)
    return scenario, scenario.all_steps()[0]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(output=OUTPUT, start=st.sampled_from(STARTS), status=st.sampled_from([0, 1]))
@example(output=b"", start="  wrong\n", status=0)  # a checked step that prints nothing stays checked
@example(output=b"$ x\n> y\n\r\n", start="  wrong\n", status=0)
def test_update_round_trip(matrix, output, start, status):
    cell = Cell(matrix.platform("host"), (("platform", "host"),))
    got = CommandResult(output, status)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "demo.scenario")
        path.write_bytes((HEAD + start + TAIL).encode())
        scenario, step = step_of(path, matrix)
        problem = check_step(scenario, cell, step, got)
        if problem is None:
            return  # the expectation already matched: nothing to update
        assert problem.update is not None
        apply_updates([problem.update], accept_failures=True)
        scenario, step = step_of(path, matrix)
        assert len(scenario.all_steps()) == 2  # no output line became a command, nothing else was eaten
        assert check_step(scenario, cell, step, got) is None, path.read_text()
        text = path.read_bytes()
        assert text.endswith(TAIL.encode())
        # A second update of the same run: nothing to propose, the file stays as it is.
        assert check_step(scenario, cell, step, got) is None
        assert path.read_bytes() == text
