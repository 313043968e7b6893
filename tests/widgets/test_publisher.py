"""The coalescing publisher: at most one publish per interval, plus flushes; nothing lost."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Hashable

import pytest

from hardlab.widgets._publisher import Publisher


class Sink:
    def __init__(self) -> None:
        self.calls: list[tuple[float, frozenset[Hashable]]] = []
        self.threads: set[str] = set()

    def __call__(self, keys: frozenset[Hashable]) -> None:
        self.calls.append((time.monotonic(), keys))
        self.threads.add(threading.current_thread().name)

    def keys(self) -> set[Hashable]:
        return set().union(*(keys for _, keys in self.calls))


def test_marks_coalesce_into_rate_limited_publishes() -> None:
    sink = Sink()
    publisher = Publisher(sink, interval=0.05)
    publisher.start()
    started = time.monotonic()
    for n in range(10_000):
        publisher.mark("progress", ("case", n % 7))
        if n % 500 == 0:
            time.sleep(0.01)
    elapsed = time.monotonic() - started
    publisher.stop()
    assert not publisher.running
    assert sink.keys() == {"progress", *(("case", n) for n in range(7))}
    assert len(sink.calls) <= elapsed / 0.05 + 2
    gaps = [b - a for (a, _), (b, _) in zip(sink.calls, sink.calls[1:-1], strict=False)]
    assert all(gap >= 0.05 * 0.9 for gap in gaps)
    assert publisher.pending() == frozenset()
    assert "hardlab-panel-publisher" in sink.threads


def test_flush_publishes_at_once_and_only_what_is_marked() -> None:
    sink = Sink()
    publisher = Publisher(sink, interval=60)
    assert publisher.flush() is False
    publisher.mark("a", "b")
    publisher.mark("a")
    assert publisher.pending() == {"a", "b"}
    assert publisher.flush() is True
    assert [keys for _, keys in sink.calls] == [frozenset({"a", "b"})]
    assert publisher.count == 1


def test_background_thread_waits_for_the_interval() -> None:
    sink = Sink()
    publisher = Publisher(sink, interval=0.3)
    publisher.start()
    publisher.mark("x")
    time.sleep(0.1)
    publisher.mark("y")  # within the interval of the first publish
    time.sleep(0.05)
    first = len(sink.calls)
    time.sleep(0.4)
    publisher.stop(flush=False)
    assert first == 1 and len(sink.calls) == 2
    assert sink.calls[1][0] - sink.calls[0][0] >= 0.3 * 0.95


def test_idle_keys_tick_while_nothing_happens() -> None:
    sink = Sink()
    publisher = Publisher(sink, interval=0.01, idle=0.05)
    publisher.set_idle_keys({"clock"})
    publisher.start()
    time.sleep(0.3)
    publisher.set_idle_keys(())
    ticks = len(sink.calls)
    time.sleep(0.15)
    publisher.stop(flush=False)
    assert 3 <= ticks <= 8
    assert len(sink.calls) <= ticks + 1


def test_a_failing_publish_is_kept_and_publishing_goes_on() -> None:
    calls: list[frozenset[Hashable]] = []

    def publish(keys: frozenset[Hashable]) -> None:
        calls.append(keys)
        if "boom" in keys:
            raise RuntimeError("display broke")

    publisher = Publisher(publish, interval=0)
    publisher.mark("boom")
    publisher.flush()
    publisher.mark("fine")
    publisher.flush()
    assert isinstance(publisher.error, RuntimeError)
    assert calls == [frozenset({"boom"}), frozenset({"fine"})]


def test_start_is_idempotent_and_stop_from_its_own_thread_is_safe() -> None:
    stopped = threading.Event()
    holder: list[Publisher] = []

    def publish(keys: frozenset[Hashable]) -> None:
        holder[0].stop(flush=False)
        stopped.set()

    publisher = Publisher(publish, interval=0)
    holder.append(publisher)
    publisher.start()
    publisher.start()
    publisher.mark("x")
    assert stopped.wait(2)
    time.sleep(0.05)
    assert not publisher.running
    assert "stopped" in repr(publisher)


def test_negative_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="interval"):
        Publisher(lambda keys: None, interval=-1)


def test_a_budget_spaces_publishes_by_the_messages_they_sent() -> None:
    stamps: list[float] = []

    def publish(keys: frozenset[Hashable]) -> int:
        stamps.append(time.monotonic())
        return 10  # widget messages this publish "sent"

    publisher = Publisher(publish, interval=0.001, budget=100)  # 10 messages: 0.1 s apart
    publisher.start()
    until = time.monotonic() + 0.6
    while time.monotonic() < until:
        publisher.mark("busy")
        time.sleep(0.005)
    publisher.stop(flush=False)
    assert len(stamps) >= 2
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert all(gap >= 0.1 * 0.95 for gap in gaps), gaps
    assert publisher.sent == 10 * len(stamps) == 10 * publisher.count
    assert "budget=100/s" in repr(publisher)


def test_a_flush_counts_against_the_budget() -> None:
    stamps: list[float] = []
    second = threading.Event()

    def publish(keys: frozenset[Hashable]) -> int:
        stamps.append(time.monotonic())
        if len(stamps) == 2:
            second.set()
        return 30

    publisher = Publisher(publish, interval=0.001, budget=100)
    publisher.mark("dialog")
    publisher.flush()  # 30 messages: the background thread waits 0.3 s after it
    publisher.start()
    publisher.mark("next")
    assert second.wait(5)
    publisher.stop(flush=False)
    assert stamps[1] - stamps[0] >= 0.3 * 0.95


def test_a_publish_that_counts_nothing_keeps_the_interval() -> None:
    sink = Sink()  # returns None
    publisher = Publisher(sink, interval=0, budget=1)
    publisher.mark("a")
    publisher.flush()
    publisher.mark("b")
    publisher.flush()
    assert publisher.sent == 0 and publisher.count == 2


@pytest.mark.parametrize("budget", [0, -5.0])
def test_a_budget_must_be_positive(budget: float) -> None:
    with pytest.raises(ValueError, match="budget"):
        Publisher(lambda keys: None, budget=budget)
