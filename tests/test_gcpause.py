"""The collector pause used while parsing and rendering feeds."""

from __future__ import annotations

import gc
import threading

from anniv import gcpause


def test_nested_pauses_switch_the_collector_back_on_only_at_the_end() -> None:
    assert gc.isenabled()
    with gcpause.paused():
        assert not gc.isenabled()
        with gcpause.paused():
            assert not gc.isenabled()
        assert not gc.isenabled(), "the inner pause ended while the outer one still runs"
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with gcpause.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_error_inside_still_ends_the_pause() -> None:
    try:
        with gcpause.paused():
            raise KeyError("boom")
    except KeyError:
        pass
    assert gc.isenabled()


def test_overlapping_pauses_in_threads_end_with_the_last() -> None:
    inside, release = threading.Event(), threading.Event()

    def render() -> None:
        with gcpause.paused():
            inside.set()
            release.wait(10)

    t = threading.Thread(target=render)
    with gcpause.paused():
        t.start()
        assert inside.wait(10)
    assert not gc.isenabled(), "the other thread is still rendering"
    release.set()
    t.join(10)
    assert gc.isenabled()
