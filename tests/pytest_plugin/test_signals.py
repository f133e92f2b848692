"""SIGTERM and SIGHUP become a KeyboardInterrupt (the cleanup Ctrl-C gets), once."""

from __future__ import annotations

import os
import signal

import pytest

from guideproof.pytest_plugin.signals import SignalGuard, Terminated


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_unwinds_like_ctrl_c_and_a_second_one_does_not_interrupt_the_cleanup(signum):
    guard = SignalGuard(forward=False).install()
    cleaned = []
    try:
        with pytest.raises(KeyboardInterrupt) as info:
            try:
                os.kill(os.getpid(), signum)  # the handler runs before the next line
                pytest.fail("no interrupt")
            finally:
                os.kill(os.getpid(), signum)  # during the cleanup: ignored
                cleaned.append(True)
        assert isinstance(info.value, Terminated) and info.value.signum == signum
        assert guard.received == signal.Signals(signum).name and cleaned == [True]
    finally:
        guard.restore()
    assert signal.getsignal(signum) is not guard._handle
