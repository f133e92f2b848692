"""The parser: valid files give the right model; each malformed case names its line and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from guideproof.errors import FileError
from guideproof.matrix.model import Matrix
from guideproof.scenario.model import Prose, Step, Switch
from guideproof.scenario.parser import load


def parse(path: Path, matrix: Matrix):
    return load(path, path.parent, matrix)


def test_commands_outputs_and_status(write_scenario, matrix):
    path = write_scenario(
        """
        Some prose for maintainers.

          $ echo one \\
          >   two
          one two
          $ printf 'a\\nb\\n'
          a (re)
          b* (glob)
          ...
          $ false
          [1]
          $ true
        """
    )
    scenario = parse(path, matrix)
    steps = scenario.all_steps()
    assert [s.command for s in steps] == ["echo one \\\n  two", "printf 'a\\nb\\n'", "false", "true"]
    assert steps[0].line == 6 and steps[0].end_line == 8
    assert [(e.kind, e.text) for e in steps[1].output] == [("re", "a"), ("glob", "b*"), ("ellipsis", "")]
    assert steps[2].status == 1 and not steps[2].output_checked
    assert not steps[3].output_checked and steps[3].status == 0
    assert isinstance(scenario.items[0], Prose)
    assert scenario.name == "demo" and scenario.title == "Demo" and scenario.timeout == 300


def test_header_keys(write_scenario, matrix):
    header = """title = "T"
axes = ["env"]
platforms = ["debian-*"]
requires = ["network"]
timeout = 12

[[xfail]]
when = { env = "uv", platform = "debian-trixie" }
reason = "known"
link = "https://example.org/1"
"""
    scenario = parse(write_scenario("  $ true\n", header=header, dedent=False), matrix)
    assert scenario.axes == ("env",)
    assert scenario.platforms == ("debian-*",)
    assert scenario.requires == ("network",)
    assert scenario.timeout == 12
    (xfail,) = scenario.xfails
    assert xfail.when.matches({"platform": "debian-trixie", "env": "uv"})
    assert not xfail.when.matches({"platform": "debian-bookworm", "env": "uv"})
    assert xfail.line == 8


def test_conditionals_select_per_cell(write_scenario, matrix):
    body = """
      $ echo always
    #if env=venv,venv-copies platform=debian-*
      $ echo venv-on-debian
    #elif env=uv
      $ echo uv
    #else
      $ echo other
    #endif
    """
    scenario = parse(write_scenario(body, header='title = "T"\naxes = ["env"]'), matrix)
    assert isinstance(scenario.items[1], Switch)

    def commands(**values):
        return [s.command for s in scenario.steps_for(values)]

    assert commands(platform="debian-bookworm", env="venv") == ["echo always", "echo venv-on-debian"]
    assert commands(platform="host", env="uv") == ["echo always", "echo uv"]
    assert commands(platform="host", env="venv-copies") == ["echo always", "echo other"]


def test_hidden_and_parts(write_scenario, matrix):
    body = """
    #part setup
      $ echo a
    #hidden
      $ echo secret
    #endhidden
    #part use
      $ echo b
    """
    steps = parse(write_scenario(body), matrix).all_steps()
    assert [(s.command, s.hidden, s.part) for s in steps] == [
        ("echo a", False, "setup"),
        ("echo secret", True, "setup"),
        ("echo b", False, "use"),
    ]


def test_setup_marks_the_next_command_with_its_reason(write_scenario, matrix):
    body = """
    #setup refreshes apt's lists: the install below fails without them
      $ echo update
    #if platform=*
    #setup inside a switch too
      $ echo branch
    #endif
      $ echo checked
      checked
    """
    steps = parse(write_scenario(body), matrix).all_steps()
    assert [(s.command, s.setup) for s in steps] == [
        ("echo update", "refreshes apt's lists: the install below fails without them"),
        ("echo branch", "inside a switch too"),
        ("echo checked", None),
    ]


def test_expected_empty_line_is_two_spaces(write_scenario, matrix):
    path = write_scenario("  $ printf 'a\\n\\nb\\n'\n  a\n  \n  b\n", dedent=False)
    (step,) = parse(path, matrix).all_steps()
    assert [e.text for e in step.output] == ["a", "", "b"]


MALFORMED = [
    ("+++\ntitle = \n+++\n  $ true\n", 2, "invalid TOML"),
    ("+++\ntitle = 'x'\ncolour = 1\n+++\n  $ true\n", 3, "unknown header key 'colour'"),
    ("+++\nfoo = 1\n", 1, "closing '+++' line is missing"),
    ("title = 'x'\n", 1, "starts with a '+++' line"),
    ("+++\naxes = []\n+++\n  $ true\n", 2, "needs a 'title'"),
    ("+++\ntitle = 'x'\naxes = ['colour']\n+++\n  $ true\n", 3, "unknown axis 'colour'"),
    ("+++\ntitle = 'x'\nplatforms = ['fedora*']\n+++\n  $ true\n", 3, "matches no platform"),
    ("+++\ntitle = 'x'\nrequires = ['gpu']\n+++\n  $ true\n", 3, "unknown requirement 'gpu'"),
    ("+++\ntitle = 'x'\ntimeout = -1\n+++\n  $ true\n", 3, "positive, finite number"),
    # issue 16, item 11: each of these was a traceback, a crash of the cell, or silent prose run in every cell
    ("+++\ntitle = 'x'\ntimeout = nan\n+++\n  $ true\n", 3, "positive, finite number"),
    ("+++\ntitle = 'x'\ntimeout = inf\n+++\n  $ true\n", 3, "positive, finite number"),
    ("+++\ntitle = 'x'\nxfail = 5\n+++\n  $ true\n", 3, "'xfail' must be an array of tables"),
    ("+++\ntitle='x'\n[[xfail]]\nwhen={platform='host'}\nreason='r'\nlink=5\n+++\n  $ true\n", 3, "'link' must be"),
    ("+++\ntitle = 'x'\naxes = ['env']\n+++\n#IF env=venv\n  $ true\n", 5, "#IF looks like the directive #if"),
    ("+++\ntitle = 'x'\naxes = ['env']\n+++\n# if env=venv\n  $ true\n", 5, "# if looks like the directive #if"),
    ("+++\ntitle = 'x'\naxes = ['env']\n+++\n#if env=venv\n  $ true\n#ENDIF\n", 7, "looks like the directive #endif"),
    ("+++\ntitle = 'x'\naxes = ['env']\n+++\n#if env=venv\n  $ true\n#endif venv\n", 7, "#endif takes nothing"),
    ("+++\ntitle = 'x'\n+++\n#hidden please\n  $ true\n#endhidden\n", 4, "#hidden takes nothing"),
    ("+++\ntitle = 'x'\n+++\n  output first\n", 4, "expected output before any command"),
    ("+++\ntitle = 'x'\n+++\n  $ true\n\n  late output\n", 6, "a blank or prose line at line 5"),
    ("+++\ntitle = 'x'\n+++\n#if env=venv\n  $ true\n#endif\n", 4, "which this scenario does not use"),
    ("+++\ntitle = 'x'\naxes = ['env']\n+++\n#if env=conda\n  $ true\n#endif\n", 5, "matches no value of axis 'env'"),
    ("+++\ntitle = 'x'\naxes = ['env']\n+++\n#if env=venv\n  $ true\n", 5, "never closed with #endif"),
    ("+++\ntitle = 'x'\naxes = ['env']\n+++\n#if env=venv\n#if env=uv\n#endif\n#endif\n", 6, "nested #if"),
    ("+++\ntitle = 'x'\n+++\n#endif\n", 4, "#endif without #if"),
    ("+++\ntitle = 'x'\n+++\n#hidden\n  $ true\n", 4, "#hidden is never closed"),
    ("+++\ntitle = 'x'\n+++\n#frobnicate\n  $ true\n", 4, "unknown directive #frobnicate"),
    ("+++\ntitle = 'x'\n+++\n \t$ true\n", 4, "exactly two spaces"),
    ("+++\ntitle = 'x'\n+++\n  $ true\n  [1]\n  late\n", 6, "after the exit status"),
    ("+++\ntitle = 'x'\n+++\n  $ true\n  a\n  > cont\n", 6, "continuation line must directly follow"),
    ("+++\ntitle = 'x'\n+++\n  $ true\n  bad\\q (esc)\n", 5, "in an (esc) line: unknown escape \\q"),
    ("+++\ntitle = 'x'\n+++\n  $ true\n  a (no-eol)\n  b\n", 6, "after line 5, which ends the output"),
    ("+++\ntitle = 'x'\n+++\n  $ true\n  ... (no-eol)\n", 5, "'...' takes no (no-eol)"),
    ("+++\ntitle = 'x'\n+++\n  $ true\n  (no output)\n  b\n", 6, "the only expected line"),
    ("+++\ntitle = 'x'\n+++\n  $ true\n  a\n  (no output)\n", 6, "the only expected line"),
    ("+++\ntitle = 'x'\n+++\nonly prose\n", 4, "no commands"),
    ("+++\ntitle = 'x'\n+++\n#part a\n  $ true\n#part a\n", 6, "defined twice"),
    ("+++\ntitle='x'\naxes=['env']\n[[xfail]]\nwhen={env='conda'}\nreason='r'\n+++\n  $ true\n", 4, "matches no value"),
    ("+++\ntitle='x'\n[[xfail]]\nwhen={platform='host'}\n+++\n  $ true\n", 3, "needs a 'reason'"),
    ("+++\ntitle = 'x'\n+++\n#setup\n  $ true\n", 4, "#setup needs its reason"),
    ("+++\ntitle = 'x'\n+++\n#setup why\n\n  $ true\n", 4, "line 5 is not a command"),
    ("+++\ntitle = 'x'\n+++\n#setup why\nprose\n  $ true\n", 4, "line 5 is not a command"),
    ("+++\ntitle = 'x'\n+++\n#setup a\n#setup b\n  $ true\n", 4, "line 5 is not a command"),
    ("+++\ntitle = 'x'\n+++\n  $ true\n#setup why\n", 5, "but none follows"),
    ("+++\ntitle = 'x'\n+++\n# setup why\n  $ true\n", 4, "looks like the directive #setup"),
]


@pytest.mark.parametrize(("text", "line", "message"), MALFORMED, ids=[m[2] for m in MALFORMED])
def test_malformed_files_name_line_and_problem(tmp_path, matrix, text, line, message):
    path = tmp_path / "bad.scenario"
    path.write_text(text)
    with pytest.raises(FileError) as info:
        parse(path, matrix)
    assert info.value.line == line, str(info.value)
    assert message in info.value.message
    assert str(info.value).startswith(f"{path}:{line}: ")


def test_step_dataclass_is_hashable():
    assert hash(Step("true", 1, 1))
