"""Planning shared prefixes: where a snapshot goes, and who builds it first."""

from __future__ import annotations

from guideproof.plan.prefixes import Path, PrefixPlan

UPDATE = "sudo apt-get update"
INSTALL = "sudo apt-get install -y python3-venv pipx"


def _plan(**cells: tuple[str, ...]) -> PrefixPlan:
    return PrefixPlan.of({("s", name): Path("bookworm", commands) for name, commands in cells.items()})


def test_a_snapshot_goes_at_the_end_of_each_shared_stretch():
    plan = _plan(
        venv=(UPDATE, INSTALL, "python3 -m venv .venv", "echo venv"),
        copies=(UPDATE, INSTALL, "python3 -m venv --copies .venv", "echo copies"),
        virtualenv=(UPDATE, INSTALL, "pipx install virtualenv", "virtualenv .venv"),
        virtualenv_copies=(UPDATE, INSTALL, "pipx install virtualenv", "virtualenv --copies .venv"),
        pep668=(UPDATE, "sudo apt-get install -y python3-pip"),
    )
    assert plan.points(("s", "venv")) == (1, 2)  # after update (5 cells), after the install (4 cells)
    assert plan.points(("s", "virtualenv")) == (1, 2, 3)  # ... and after pipx install virtualenv (2 cells)
    assert plan.points(("s", "pep668")) == (1,)
    assert plan.sharing(("s", "virtualenv"), 3) == 2


def test_nothing_is_planned_for_a_cell_that_shares_nothing():
    plan = _plan(one=(UPDATE, "a"), other=("sudo apt-get update -qq", "a"))
    assert plan.points(("s", "one")) == () and plan.points(("s", "other")) == ()
    assert plan.points(("s", "unknown")) == ()


def test_cells_on_another_root_share_nothing():
    plan = PrefixPlan.of({("s", "a"): Path("bookworm", (UPDATE, "x")), ("s", "b"): Path("trixie", (UPDATE, "x"))})
    assert plan.points(("s", "a")) == ()


def test_identical_cells_share_every_step():
    plan = _plan(a=(UPDATE, "x"), b=(UPDATE, "x"))
    assert plan.points(("s", "a")) == (2,)


def test_builders_come_first_one_per_snapshot():
    plan = _plan(
        a=(UPDATE, INSTALL, "a"),
        b=(UPDATE, INSTALL, "b"),
        c=(UPDATE, "c"),
        lone=("true",),
        d=(UPDATE, "d"),
    )
    # a's deepest snapshot is after the install (shared with b), c's after the update (shared with d): each
    # is the first to need its own, so both go first; the cells that start from them follow.
    order = [("s", name) for name in ("a", "b", "c", "lone", "d")]
    assert [name for _, name in plan.builders_first(order)] == ["a", "c", "b", "lone", "d"]
