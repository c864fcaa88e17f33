"""The XEP-0352 state machine (`ui/client_state.py`) with a fake clock."""

from __future__ import annotations

from xmpp_tui.ui.client_state import ClientState


def test_blur_sends_inactive_only_after_it_settled() -> None:
    machine = ClientState(settle=2.0)
    machine.start(0.0)
    assert machine.blur(10.0) is None
    assert machine.next_check(10.0) == 2.0
    assert machine.tick(11.9) is None
    assert machine.tick(12.0) is False
    assert machine.tick(13.0) is None  # said once
    assert machine.next_check(13.0) is None  # nothing to wait for until an input


def test_focus_sends_active_at_once_and_only_after_inactive() -> None:
    machine = ClientState(settle=2.0)
    machine.start(0.0)
    assert machine.focus(1.0) is None  # already active
    machine.blur(2.0)
    assert machine.tick(4.0) is False
    assert machine.focus(4.5) is True
    assert machine.active


def test_a_quick_blur_and_focus_sends_nothing() -> None:
    machine = ClientState(settle=2.0)
    machine.start(0.0)
    assert machine.blur(5.0) is None
    assert machine.focus(6.0) is None
    assert machine.tick(9.0) is None
    assert machine.active


def test_a_key_press_counts_as_focus() -> None:
    machine = ClientState(settle=0.0)
    machine.start(0.0)
    assert machine.blur(1.0) is False
    assert machine.key(2.0) is True
    assert machine.focused


def test_idle_time_makes_it_inactive_and_a_key_wakes_it() -> None:
    machine = ClientState(idle_after=60.0, settle=2.0)
    machine.start(0.0)
    assert machine.next_check(0.0) == 60.0
    assert machine.key(30.0) is None
    assert machine.tick(89.0) is None  # 59 s since the key
    # idle from 90 s on; noticed late, the settle time counts from 90 s, not from now
    assert machine.tick(91.0) is None
    assert machine.next_check(91.0) == 1.0
    assert machine.tick(92.0) is False
    assert machine.key(200.0) is True


def test_idle_off_never_goes_inactive_while_focused() -> None:
    machine = ClientState(idle_after=0.0, settle=0.0)
    machine.start(0.0)
    assert machine.tick(1e9) is None
    assert machine.next_check(1e9) is None
    assert machine.active
