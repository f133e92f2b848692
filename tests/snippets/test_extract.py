"""extract: a page's shell snippets as a scenario skeleton, checked exactly, then run with the local engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from guideproof.cli import main
from guideproof.errors import FileError, UserError
from guideproof.matrix.model import load_matrix
from guideproof.scenario.parser import parse
from guideproof.snippets.extract import extract
from tests.snippets.conftest import line_of

PAGE = r"""
Quick start
===========

Make an environment:

.. tab:: Unix/macOS

   .. code-block:: console

      $ python3 -m venv --without-pip .venv
      $ . .venv/bin/activate

.. tab:: Windows

   .. code-block:: console

      C:\> py -m venv .venv

Check what the shell prints:

.. code-block:: console

   $ printf '%s\n' hello '[3]' 'a (re)' '> quoted'
   hello
   [3]
   a (re)
   > quoted
   $ seq 3
   1
   ...

Write a file, without prompts:

.. code-block:: bash

   # a comment
   cat > greeting.txt <<'EOF'
   hello
   EOF
   grep -c hello greeting.txt
"""


SKELETON = r"""+++
title = "Quick start"  # TODO: the page's title; say what the scenario proves
# TODO: the platforms it must pass on (docs/scenarios/matrix.toml: host, debian-bookworm, debian-trixie)
platforms = ["*"]
# TODO: what its commands need (docs/scenarios/matrix.toml: root, network, pypi)
requires = []
+++
Made by `guideproof extract` from docs/start.rst: its shell snippets in page order, run as one cell.
To finish: complete the header, run it once with --update-expected, read the diff, keep it.

From docs/start.rst:8, tab "Unix/macOS":
  $ python3 -m venv --without-pip .venv
  $ . .venv/bin/activate

Left out: docs/start.rst:15, tab "Windows" is Windows-only.

From docs/start.rst:21:
  $ printf '%s\n' hello '[3]' 'a (re)' '> quoted'
  hello
  [3] (esc)
  a (re) (esc)
  \x3e quoted (esc)
  $ seq 3
  1
  ...

From docs/start.rst:34:
No prompts: every line is a command; run once with --update-expected to record what each prints.
Comment: # a comment
  $ cat > greeting.txt <<'EOF'
  > hello
  > EOF
  <output not recorded yet: run once with --update-expected>
  $ grep -c hello greeting.txt
  <output not recorded yet: run once with --update-expected>
"""


def test_skeleton_of_a_page(make_docs):
    docs = make_docs({"start.rst": PAGE})
    result = extract(docs / "start.rst")
    assert result.text == SKELETON
    assert (result.commands, len(result.kept), len(result.left_out)) == (6, 3, 1)


def test_skeleton_of_a_myst_page_with_another_tab(make_docs):
    page = """
    # Install

    ````{tab} Linux
    ```console
    $ echo linux
    linux
    ```
    ````

    ````{tab} macOS
    ```console
    $ echo mac
    mac
    ```
    ````

    `````{note}
    ````{tab} Linux
    ```sh
    echo nested
    ```
    ````
    `````
    """
    docs = make_docs({"install.md": page})

    def at(needle: str, nth: int = 1) -> str:
        return f"docs/install.md:{line_of(page, needle, nth)}"

    default = extract(docs / "install.md").text.split("+++\n", 2)[2]
    assert default.splitlines()[3:] == [
        f'From {at("```console")}, tab "Linux":',
        "  $ echo linux",
        "  linux",
        "",
        f'Left out: {at("```console", 2)}, tab "macOS": the tab "Linux" of the same set is used; '
        "choose another with --tab.",
        "",
        f'From {at("```sh")}, tab "Linux":',
        "No prompts: every line is a command; run once with --update-expected to record what each prints.",
        "  $ echo nested",
        "  <output not recorded yet: run once with --update-expected>",
    ]
    chosen = extract(docs / "install.md", tabs=["MACOS"]).text.split("+++\n", 2)[2]
    assert chosen.splitlines()[3:6] == [
        f'Left out: {at("```console")}, tab "Linux": the tab "macOS" of the same set is used.',
        "",
        f'From {at("```console", 2)}, tab "macOS":',
    ]
    with pytest.raises(UserError, match=r"no tab titled 'BSD' around a shell snippet \(tabs: 'Linux', 'macOS'\)"):
        extract(docs / "install.md", tabs=["BSD"])


def test_user_errors_are_one_clear_line(make_docs, tmp_path, capsys):
    docs = make_docs({"start.rst": PAGE, "empty.rst": "Empty\n=====\n\nNo snippets.\n"})
    with pytest.raises(UserError, match=r"^docs/empty.rst: no shell snippets on this page$"):
        extract(docs / "empty.rst")
    with pytest.raises(UserError, match=r"^nope.rst: no such page$"):
        extract(tmp_path / "nope.rst")
    out = tmp_path / "scenarios" / "start.scenario"
    assert main(["extract", "docs/start.rst", "--out", str(out)]) == 0
    assert out.read_text() == SKELETON
    assert main(["extract", "docs/start.rst", "--out", str(out)]) == 2
    assert "exists: choose another --out, or overwrite it with --force" in capsys.readouterr().err
    assert main(["extract", "docs/start.rst", "--out", str(out), "--force"]) == 0


pytest_plugins = ["pytester"]


def run_skeleton(pytester: pytest.Pytester, text: str, *args: str) -> pytest.RunResult:
    from tests.conftest import SMALL_MATRIX

    (pytester.path / "scenarios").mkdir(exist_ok=True)
    (pytester.path / "scenarios" / "matrix.toml").write_text(SMALL_MATRIX)
    (pytester.path / "scenarios" / "start.scenario").write_text(text)
    return pytester.runpytest(
        "-p",
        "guideproof.pytest_plugin",
        "scenarios",
        "--engine",
        "local",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:xdist",
        *args,
    )


def test_the_skeleton_runs_once_recording_script_output_then_passes_and_a_wrong_page_output_fails(pytester):
    result = run_skeleton(pytester, SKELETON)
    result.assert_outcomes(failed=1)  # the script's commands have no output recorded yet
    result = run_skeleton(pytester, SKELETON, "--update-expected")
    recorded = (pytester.path / "scenarios" / "start.scenario").read_text()
    assert recorded == SKELETON.replace(
        "  > EOF\n  <output not recorded yet: run once with --update-expected>\n", "  > EOF\n  (no output)\n"
    ).replace("  <output not recorded yet: run once with --update-expected>\n", "  1\n")
    result = run_skeleton(pytester, recorded)
    result.assert_outcomes(passed=1)
    wrong = recorded.replace("  hello\n", "  goodbye\n", 1)  # as if the page showed the wrong output
    result = run_skeleton(pytester, wrong)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["-goodbye", "+hello"])


OUTPUT_AND_PLACEHOLDERS = """
Install
=======

.. code-block:: bash

   python3 -m pip install SomeProject

.. code-block:: bash

   printf 'ok\\n'

This prints:

.. code-block:: text

   ok

.. code-block:: console

   $ python3 -m venv <DIR>
   $ curl https://pypi.example.com/simple/ > index.html
"""


def test_the_output_block_after_a_command_is_its_expected_output_and_placeholders_stop_collection(make_docs, pytester):
    docs = make_docs({"install.rst": OUTPUT_AND_PLACEHOLDERS})
    text = extract(docs / "install.rst").text
    body = text.split("+++\n", 2)[2]
    assert "Expected output of `printf 'ok\\n'`: the block at " in body
    assert "install.rst:14 (make the parts that vary patterns" in body
    assert "  $ printf 'ok\\n'\n  ok\n" in body
    resolve = [line for line in body.splitlines() if line.startswith("#resolve")]
    assert [line.split("'")[1] for line in resolve] == ["SomeProject", "<DIR>", "pypi.example.com"]
    first = text.splitlines().index(resolve[0]) + 1
    matrix = load_matrix(docs / "scenarios" / "matrix.toml")
    with pytest.raises(FileError, match=rf"^s.scenario:{first}: to resolve before this scenario runs: 'SomeProject'"):
        parse(text, Path("s.scenario"), "s", matrix)
    resolved = "\n".join(line for line in text.splitlines() if not line.startswith("#resolve")) + "\n"
    assert parse(resolved, Path("s.scenario"), "s", matrix).all_steps()  # deleting the lines resolves them


def test_a_prompt_shown_alone_is_no_command(make_docs):
    page = "Deactivate\n==========\n\n.. code-block:: console\n\n   (venv) $ deactivate\n   $\n"
    docs = make_docs({"off.rst": page})
    result = extract(docs / "off.rst")
    assert result.commands == 1 and "  $ deactivate\n" in result.text and "  $ \n" not in result.text
