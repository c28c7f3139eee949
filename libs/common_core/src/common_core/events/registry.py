"""Which payload model travels on which topic: a lookup in both directions.

Registering a topic or a model twice raises, so two payloads can never claim one topic.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from common_core.topics import DLQ_SUFFIX


class DuplicateRegistrationError(ValueError):
    """A topic or a payload model was registered a second time."""


class UnknownEventError(LookupError):
    """No payload model is registered for the topic, or no topic for the model."""


class EventRegistry:
    def __init__(self) -> None:
        self._model_by_topic: dict[str, type[BaseModel]] = {}
        self._topic_by_model: dict[type[BaseModel], str] = {}

    def register(self, topic: str, model: type[BaseModel]) -> None:
        name = str(topic)
        if name.endswith(DLQ_SUFFIX):
            raise ValueError(f"{name} is a dead-letter topic; register the topic itself")
        if name in self._model_by_topic:
            raise DuplicateRegistrationError(
                f"topic {name} is already registered to {self._model_by_topic[name].__name__}"
            )
        if model in self._topic_by_model:
            raise DuplicateRegistrationError(f"{model.__name__} is already registered to {self._topic_by_model[model]}")
        self._model_by_topic[name] = model
        self._topic_by_model[model] = name

    def topic_for(self, model: type[BaseModel]) -> str:
        try:
            return self._topic_by_model[model]
        except KeyError:
            raise UnknownEventError(f"{model.__name__} is not a registered event payload") from None

    def model_for(self, topic: str) -> type[BaseModel]:
        try:
            return self._model_by_topic[str(topic)]
        except KeyError:
            raise UnknownEventError(f"no payload model is registered for topic {topic}") from None

    def __iter__(self) -> Iterator[tuple[str, type[BaseModel]]]:
        return iter(self._model_by_topic.items())

    def __len__(self) -> int:
        return len(self._model_by_topic)
