"""A reStructuredText page read as its own scenario: steps in page order, hidden steps, output blocks, skips,
tabs, and errors at the page's lines."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from guideproof.errors import FileError
from guideproof.scenario.page import is_scenario_page, load_page, page_files, page_name

PAGE = """
Title of the page
=================

.. scenario-page::
   :tabs: Linux

   platforms = ["host"]

.. scenario: hidden

   $ cd /tmp
   $ echo ready
   ready

.. tab:: Linux

   .. code-block:: bash

      echo one
      echo two \\
        continued

.. tab:: macOS

   .. code-block:: bash

      echo mac

.. tab:: Windows

   .. code-block:: bat

      echo win

.. code-block:: console

   $ printf 'a\\nb\\n'
   a
   ...

.. code-block:: bash

   echo three

.. scenario: output

::

   three

.. scenario: skip: needs a browser

.. code-block:: bash

   xdg-open index.html

.. code-block:: bash

   echo four

.. scenario: output

   f*r (glob)
"""


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "conf.py").write_text("")
    path = tmp_path / "sub" / "page.rst"
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def test_every_shell_block_is_a_step_in_page_order_at_its_page_line(tmp_path, matrix):
    path = _write(tmp_path, PAGE)
    page = load_page(path, matrix)
    scenario = page.scenario
    assert (scenario.name, scenario.title, scenario.platforms) == ("sub/page.rst", "Title of the page", ("host",))
    lines = path.read_text().splitlines()
    steps = [
        (s.command, s.hidden, [e.source for e in s.output], lines[s.line - 1].strip()) for s in scenario.all_steps()
    ]
    assert steps == [
        ("cd /tmp", True, [], "$ cd /tmp"),
        ("echo ready", True, ["ready"], "$ echo ready"),
        ("echo one", False, [], "echo one"),
        ("echo two \\\n  continued", False, [], "echo two \\"),
        ("printf 'a\\nb\\n'", False, ["a", "..."], "$ printf 'a\\nb\\n'"),
        ("echo three", False, ["three"], "echo three"),
        ("echo four", False, ["f*r (glob)"], "echo four"),
    ]
    assert lines[scenario.all_steps()[5].output[0].line - 1].strip() == "three"  # the output block's own line
    roles = [(b.role, b.reason) for b in page.blocks]
    assert roles == [
        ("step", ""),
        ("skipped", 'tab "macOS" is not tested in place (:tabs: Linux)'),
        ("step", ""),
        ("step", ""),
        ("output", ""),
        ("skipped", "needs a browser"),
        ("step", ""),
    ]


def test_without_tabs_windows_tabs_are_left_out_and_the_others_run(tmp_path, matrix):
    path = _write(tmp_path, PAGE.replace("   :tabs: Linux\n", ""))
    commands = [s.command for s in load_page(path, matrix).scenario.all_steps()]
    assert "echo mac" in commands and "echo win" not in commands


def test_errors_name_the_page_and_its_line(tmp_path, matrix):
    bad_header = PAGE.replace('platforms = ["host"]', 'platforms = ["nowhere"]')
    with pytest.raises(FileError, match=r"page\.rst:7: platform pattern 'nowhere' matches no platform"):
        load_page(_write(tmp_path, bad_header), matrix)
    no_reason = PAGE.replace(".. scenario: skip: needs a browser", ".. scenario: skip")
    with pytest.raises(FileError, match=r"page\.rst:\d+: '\.\. scenario: skip: REASON' needs a reason"):
        load_page(_write(tmp_path, no_reason), matrix)
    typo = PAGE.replace(".. scenario: hidden", ".. scenario: hiden")
    with pytest.raises(FileError, match=r"page\.rst:9: unknown '\.\. scenario: hiden'"):
        load_page(_write(tmp_path, typo), matrix)
    dangling = PAGE + "\n.. scenario: output\n"
    with pytest.raises(FileError, match="'.. scenario: output' with no literal block after it"):
        load_page(_write(tmp_path, dangling), matrix)


def test_pages_are_found_by_their_directive_only(tmp_path):
    page = _write(tmp_path, PAGE)
    other = tmp_path / "other.rst"
    other.write_text("Other\n=====\n\n.. code-block:: bash\n\n   echo no\n")
    assert is_scenario_page(page) and not is_scenario_page(other)
    assert page_files([tmp_path]) == [page]
    assert page_name(page) == "sub/page.rst"


ILLUSTRATED = """
Page
====

.. scenario-page::

   platforms = ["host"]

.. code-block:: console

   (env) $
   $ python3 -c 'import sys; print(sys.prefix)'
   /home/user/env

.. scenario: output

   */env (glob)
"""


def test_hidden_output_replaces_the_illustration_the_page_shows_and_a_prompt_alone_is_no_step(tmp_path, matrix):
    steps = load_page(_write(tmp_path, ILLUSTRATED), matrix).scenario.all_steps()
    assert [(s.command, [e.source for e in s.output]) for s in steps] == [
        ("python3 -c 'import sys; print(sys.prefix)'", ["*/env (glob)"])
    ]
    twice = ILLUSTRATED + "\n.. scenario: output\n\n   again\n"
    with pytest.raises(FileError, match="already has its expected output"):
        load_page(_write(tmp_path, twice), matrix)


def test_a_header_shown_as_an_example_in_a_code_block_makes_no_page(tmp_path):
    example = tmp_path / "howto.rst"
    example.write_text("How\n===\n\n.. code-block:: rst\n\n   .. scenario-page::\n\n      platforms = []\n")
    assert not is_scenario_page(example)
