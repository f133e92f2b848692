"""The finder reads a docs tree through Sphinx with the project's conf.py: every shell snippet, where it is, in
which tab, whether a scenario or an opt-out covers it; and what Sphinx could not parse, located."""

from __future__ import annotations

import pytest

from guideproof.errors import UserError
from guideproof.snippets.find import find_snippets
from tests.snippets.conftest import HELLO, line_of

RST = r"""
Install
=======

.. code-block:: console

   $ echo one
   one

.. tab:: Unix/macOS

   .. code-block:: bash

      python3 -m venv .venv

.. tab:: Windows

   .. code-block:: console

      C:\> py -m venv .venv

.. note::

   .. tab:: Unix/macOS

      .. code-block:: shell-session

         (.venv) $ echo nested
         nested

.. tab-set::

   .. tab-item:: Linux

      .. code-block:: zsh

         echo design

.. only:: html

   .. code-block:: sh

      echo only-html

.. highlight:: console

A block whose language comes from ``highlight``::

   $ echo highlighted

.. scenario:: hello

.. untested-snippet::
   :reason: needs a GPU, which no platform has

   $ nvidia-smi

.. code-block:: python

   print("not a shell snippet")

.. code-block:: console
   $ echo malformed: the content is on the directive's lines

.. code-block:: text

   $ shown as text, not a shell snippet
"""

MYST = """
# Notes

```console
$ echo md
md
```

`````{tab} Unix/macOS
````{note}
```sh
echo nested in md
```
````
`````

```{code-block} bash
echo directive
```

```{code-blok} console
$ a typo in the directive's name
```
"""


def rows(tree):
    return [(s.where, s.language, s.tab, s.status, s.prompted) for s in tree.snippets]


def test_rst_snippets_in_tabs_nested_directives_highlight_and_only(make_docs):
    docs = make_docs({"install.rst": RST}, scenarios={"hello": HELLO})
    tree = find_snippets(docs)

    def at(needle: str, nth: int = 1) -> str:
        return f"docs/install.rst:{line_of(RST, needle, nth)}"

    assert rows(tree) == [
        (at("code-block:: console"), "console", "", "untested", True),
        (at("code-block:: bash"), "bash", "Unix/macOS", "untested", False),
        (at("code-block:: console", nth=2), "console", "Windows", "untested", False),
        (at("code-block:: shell-session"), "shell-session", "Unix/macOS", "untested", True),
        (at("code-block:: zsh"), "zsh", "Linux", "untested", False),
        (at("code-block:: sh", nth=2), "sh", "", "untested", False),  # the first is shell-session
        # a literal block's line is its first line; its language comes from ``.. highlight:: console``
        (at("$ echo highlighted"), "console", "", "untested", True),
        (at(".. scenario:: hello"), "console", "", "scenario", True),
        (at(".. untested-snippet::"), "console", "", "opt-out", True),
    ]
    assert [s.scenario for s in tree.snippets if s.scenario] == ["hello"]
    assert [s.untested for s in tree.snippets if s.untested] == ["needs a GPU, which no platform has"]
    [problem] = tree.problems
    assert problem.where == at("code-block:: console", nth=3)  # the malformed directive
    assert problem.message.startswith('Error in "code-block" directive: maximum 1 argument(s) allowed')


def test_myst_fences_directives_and_tabs_and_an_unknown_directive(make_docs):
    docs = make_docs({"notes.md": MYST})
    tree = find_snippets(docs)

    def at(needle: str) -> str:
        return f"docs/notes.md:{line_of(MYST, needle)}"

    assert rows(tree) == [
        (at("```console"), "console", "", "untested", True),
        (at("```sh"), "sh", "Unix/macOS", "untested", False),
        (at("```{code-block} bash"), "bash", "", "untested", False),
    ]
    assert [(p.where, p.message) for p in tree.problems] == [
        (at("{code-blok}"), "Unknown directive type: 'code-blok' [myst.directive_unknown]")
    ]


SPHINX_TABS = """
Tabs
====

.. tabs::

   .. tab:: Linux

      .. code-block:: sh

         ls

   .. code-tab:: console macOS

      $ ls -G

.. tabs::

   .. group-tab:: Unix

      .. code-block:: bash

         grouped
"""


def test_sphinx_tabs_titles_and_sets(make_docs):
    docs = make_docs({"tabs.rst": SPHINX_TABS}, extensions=["sphinx_tabs.tabs"])
    tree = find_snippets(docs)
    assert [(s.language, s.tab) for s in tree.snippets] == [("sh", "Linux"), ("console", "macOS"), ("bash", "Unix")]
    first, second, third = (s.tabs[0].group for s in tree.snippets)
    assert first == second != third
    assert tree.problems == []


def test_inline_tabs_of_one_set_share_a_group_and_new_set_starts_another(make_docs):
    page = """
    Sets
    ====

    .. tab:: A

       .. code-block:: sh

          a

    .. tab:: B

       .. code-block:: sh

          b

    .. tab:: A
       :new-set:

       .. code-block:: sh

          a2
    """
    tree = find_snippets(make_docs({"sets.rst": page}))
    a, b, a2 = (s.tabs[0].group for s in tree.snippets)
    assert a == b != a2


def test_extension_that_crashes_names_the_page(make_docs, tmp_path):
    (tmp_path / "crash.py").write_text(
        "from docutils.parsers.rst import Directive\n"
        "class Boom(Directive):\n"
        "    def run(self):\n"
        "        raise RuntimeError('boom')\n"
        "def setup(app):\n"
        "    app.add_directive('boom', Boom)\n"
    )
    docs = make_docs({"page.rst": "Page\n====\n\n.. boom::\n"}, extensions=["crash"])
    (docs / "conf.py").write_text(f"import sys\nsys.path.insert(0, {str(tmp_path)!r})\nextensions = ['crash']\n")
    with pytest.raises(UserError, match=r"^docs/page.rst: Sphinx stopped reading the docs: RuntimeError: boom$"):
        find_snippets(docs)


def test_a_directory_without_conf_py_is_a_clear_error(tmp_path):
    with pytest.raises(UserError, match="no conf.py here"):
        find_snippets(tmp_path)
