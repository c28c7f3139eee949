"""The retention policy's pass over CMS's essays, over the in-memory fakes (issue 23): a batch registered before
the cutoff loses its essays (and, without aggregates, its row); a newer one and the roster stay."""

from dataclasses import replace
from datetime import timedelta

from class_management_service.service_layer import retention
from common_core.events.classes import EssayStudentAssociationsConfirmedV1
from services.class_management_service.tests.service_layer.test_associations import Batch


async def _setup(service):
    """An old batch (400 days) with two essays, one confirmed; a recent one (10 days); and two essays of a
    batch that was never registered, 400 days old. The cutoff is 365 days ago."""
    old = Batch(service)
    await old.build_class()
    recent = Batch(service)
    recent.class_id, recent.students = old.class_id, old.students
    for batch in (old, recent):
        await batch.register()
        essay = await batch.upload("Karlsson Tuva")
        await batch.upload("Åsa Öberg")
        await batch.confirm(a=(essay, batch.students["Tuva"]))
    orphan = Batch(service)
    await orphan.upload("Tuva Karlsson")
    await orphan.upload("Okänd")
    state = service.uow.state
    now = service.uow.clock()
    state.batches[old.batch_id] = replace(state.batches[old.batch_id], registered_at=now - timedelta(days=400))
    state.batches[recent.batch_id] = replace(state.batches[recent.batch_id], registered_at=now - timedelta(days=10))
    for essay in list(state.essays.values()):
        if essay.batch_id == orphan.batch_id:
            state.essays[essay.essay_id] = replace(essay, received_at=now - timedelta(days=400))
    return now - timedelta(days=365), old, recent, orphan


def _essays_of(service, batch: Batch) -> int:
    return sum(e.batch_id == batch.batch_id for e in service.uow.state.essays.values())


async def test_with_aggregates_kept_a_due_batch_loses_its_essays_and_their_events_but_stays(service):
    cutoff, old, recent, orphan = await _setup(service)
    students = dict(service.uow.state.students)

    purged = await retention.purge_expired(service.uow, cutoff, keep_aggregates=True)

    assert purged == {"batches": 0, "essays": 4}
    assert (_essays_of(service, old), _essays_of(service, recent), _essays_of(service, orphan)) == (0, 2, 0)
    assert old.batch_id in service.uow.state.batches  # the owner, class link and date: no student in it
    assert service.uow.state.erased == set()
    confirmed = service.uow.events_of(EssayStudentAssociationsConfirmedV1)
    assert [e.batch_id for e in confirmed] == [recent.batch_id]
    assert service.uow.state.students == students  # the roster is the teacher's register
    # A second pass finds nothing more to do.
    assert await retention.purge_expired(service.uow, cutoff, True) == {"batches": 0, "essays": 0}


async def test_without_aggregates_a_due_batch_is_erased_with_its_tombstone(service):
    cutoff, old, recent, orphan = await _setup(service)

    purged = await retention.purge_expired(service.uow, cutoff, keep_aggregates=False)

    assert purged == {"batches": 1, "essays": 4}
    assert set(service.uow.state.batches) == {recent.batch_id}
    assert service.uow.state.erased == {old.batch_id, orphan.batch_id}
    assert (_essays_of(service, recent), _essays_of(service, orphan)) == (2, 0)
    assert await retention.purge_expired(service.uow, cutoff, False) == {"batches": 0, "essays": 0}


async def test_many_due_batches_are_purged_a_transaction_at_a_time(service, monkeypatch):
    monkeypatch.setattr(retention, "BATCHES_PER_TRANSACTION", 2)
    cutoff = service.uow.clock() + timedelta(days=1)  # everything is due
    for _ in range(5):
        batch = Batch(service)
        await batch.upload("Someone")
    commits = service.uow.commits

    purged = await retention.purge_expired(service.uow, cutoff, keep_aggregates=True)

    assert purged == {"batches": 0, "essays": 5}
    assert service.uow.state.essays == {}
    assert service.uow.commits - commits == 3  # 2 + 2 + 1
