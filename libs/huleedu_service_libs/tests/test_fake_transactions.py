"""FakeTransactions: a block's state changes and events are kept on commit, and both roll back on an exception."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from huleedu_service_libs.testing.fake_transactions import FakeTransactions


@dataclass
class State:
    names: dict[str, int] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Emitted:
    payload: object


async def test_a_block_that_ends_normally_keeps_its_changes_and_events() -> None:
    transactions: FakeTransactions[State, Emitted] = FakeTransactions(State())
    pending: list[Emitted] = []
    async with transactions.transaction(pending):
        transactions.state.names["a"] = 1
        pending += [Emitted("first"), Emitted(2)]  # queued after the block began: still committed

    assert transactions.state.names == {"a": 1}
    assert [e.payload for e in transactions.committed_events] == ["first", 2]
    assert transactions.events_of(str) == ["first"]
    assert (transactions.commits, transactions.rollbacks) == (1, 0)


async def test_an_exception_restores_the_same_state_object_and_drops_the_events() -> None:
    state = State(names={"kept": 1}, order=["kept"])
    transactions: FakeTransactions[State, Emitted] = FakeTransactions(state)
    pending: list[Emitted] = []

    async def change_then_fail() -> None:
        async with transactions.transaction(pending):
            state.names["lost"] = 2
            state.order.append("lost")
            pending.append(Emitted("lost"))
            raise KeyError("boom")

    with pytest.raises(KeyError):
        await change_then_fail()

    assert transactions.state is state  # the repositories' reference still sees the restored state
    assert state == State(names={"kept": 1}, order=["kept"])
    assert transactions.committed_events == []
    assert (transactions.commits, transactions.rollbacks) == (0, 1)
