"""Where a run keeps its ledger, so a killed run resumes without sending credit twice.

A heartbeat is written ahead (`in_flight_s`) before it is sent; a resumed run re-reads such a
lecture's progress from the platform instead of trusting or repeating the heartbeat.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from core.engine.ledger import LectureLedger
from core.engine.pacing import CreditModel

if TYPE_CHECKING:
    from redis.asyncio import Redis

CHECKPOINT_PREFIX = "autopilot:checkpoint:"
_MODEL_FIELD = "model"
_TITLE_FIELD = "title"


@dataclass
class Saved:
    """What a checkpoint holds: the course title, each lecture's ledger, the credit model."""

    title: str | None = None
    ledgers: dict[int, LectureLedger] = field(default_factory=dict)
    model: CreditModel | None = None


class Checkpoint(Protocol):
    async def load(self) -> Saved: ...

    async def save(
        self, ledgers: list[LectureLedger], model: CreditModel | None = None
    ) -> None: ...

    async def save_title(self, title: str) -> None: ...


class MemoryCheckpoint:
    """A checkpoint that lives as long as the process: for runs without Redis."""

    def __init__(self) -> None:
        self._ledgers: dict[int, dict[str, object]] = {}
        self._model: dict[str, object] | None = None
        self._title: str | None = None

    async def save_title(self, title: str) -> None:
        self._title = title

    async def load(self) -> Saved:
        return Saved(
            title=self._title,
            ledgers={i: LectureLedger.from_json(dict(d)) for i, d in self._ledgers.items()},
            model=CreditModel.from_json(dict(self._model)) if self._model else None,
        )

    async def save(self, ledgers: list[LectureLedger], model: CreditModel | None = None) -> None:
        for ledger in ledgers:
            self._ledgers[ledger.id] = ledger.to_json()
        if model is not None:
            self._model = model.to_json()


class RedisCheckpoint:
    """A checkpoint in one Redis hash: a field per lecture plus the learned credit model."""

    def __init__(self, redis: Redis, key: str, ttl_s: int = 30 * 24 * 3600) -> None:
        self.redis = redis
        self.key = CHECKPOINT_PREFIX + key
        self.ttl_s = ttl_s

    async def save_title(self, title: str) -> None:
        await self.redis.hset(self.key, _TITLE_FIELD, json.dumps(title))

    async def load(self) -> Saved:
        saved = Saved()
        for raw_name, value in (await self.redis.hgetall(self.key)).items():
            name = raw_name.decode() if isinstance(raw_name, bytes) else raw_name
            data = json.loads(value)
            if name == _TITLE_FIELD:
                saved.title = data
            elif name == _MODEL_FIELD:
                saved.model = CreditModel.from_json(data)
            else:
                ledger = LectureLedger.from_json(data)
                saved.ledgers[ledger.id] = ledger
        return saved

    async def save(self, ledgers: list[LectureLedger], model: CreditModel | None = None) -> None:
        mapping = {str(ledger.id): json.dumps(ledger.to_json()) for ledger in ledgers}
        if model is not None:
            mapping[_MODEL_FIELD] = json.dumps(model.to_json())
        if not mapping:
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.key, mapping=mapping)
            pipe.expire(self.key, self.ttl_s)
            await pipe.execute()
