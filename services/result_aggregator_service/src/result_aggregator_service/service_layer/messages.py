"""A consumed event as the fold sees it: the payload and the envelope facts the fold needs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel

P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True)
class ConsumedEvent(Generic[P]):
    data: P
    event_id: uuid.UUID  # names a failure that came before CJ created a job
    at: datetime  # when it happened (the envelope's event_timestamp): orders facts of one job or batch
