"""The one list of variables guideproof sets in a cell, and how a command is found to name one."""

from __future__ import annotations

from guideproof import cellvars


def test_named_in_finds_each_way_a_command_names_a_variable() -> None:
    assert cellvars.named_in('cx create -c "$CONDA_CHANNEL" ipython') == ["CONDA_CHANNEL"]
    assert cellvars.named_in("echo ${LOCAL_CHANNEL}/linux-64") == ["LOCAL_CHANNEL"]
    assert cellvars.named_in("PIP_CONSTRAINT=c.txt pip install x") == ["PIP_CONSTRAINT"]
    assert cellvars.named_in("python -c 'import os; print(os.environ[\"SSL_CERT_FILE\"])'") == ["SSL_CERT_FILE"]
    assert cellvars.named_in("echo $UV_CONSTRAINT $PIP_CONSTRAINT") == ["PIP_CONSTRAINT", "UV_CONSTRAINT"]


def test_named_in_ignores_other_words() -> None:
    assert cellvars.named_in("cx create -c conda-forge ipython") == []
    assert cellvars.named_in("echo $MY_CONDA_CHANNEL $CONDA_CHANNELS conda_channel") == []
    assert cellvars.named_in('echo "$CONDA_PREFIX ($CONDA_DEFAULT_ENV)"') == []  # set by conda, not by guideproof


def test_the_list_holds_what_guideproof_sets() -> None:
    for name in ("CONDA_CHANNEL", "LOCAL_CHANNEL", "PIP_CONSTRAINT", "UV_CONSTRAINT", "GUIDEPROOF_CONSTRAINTS"):
        assert name in cellvars.GUIDEPROOF_SET
    assert set(cellvars.CA_VARIABLES) <= cellvars.GUIDEPROOF_SET
    assert set(cellvars.STEADY) <= cellvars.GUIDEPROOF_SET
