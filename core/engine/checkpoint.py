"""Where a run keeps its ledger, so a killed run resumes without sending credit twice.

A heartbeat is written ahead (`in_flight_s`) before it is sent; a resumed run re-reads such a
lecture's progress from the platform instead of trusting or repeating the heartbeat.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Protocol

from core.engine.ledger import LectureLedger
from core.engine.pacing import CreditModel

if TYPE_CHECKING:
    from redis.asyncio import Redis

CHECKPOINT_PREFIX = "autopilot:checkpoint:"
_MODEL_FIELD = "model"
_TITLE_FIELD = "title"


class Checkpoint(Protocol):
    async def load(self) -> tuple[dict[int, LectureLedger], CreditModel | None]: ...

    async def save(
        self, ledgers: list[LectureLedger], model: CreditModel | None = None
    ) -> None: ...

    async def clear(self) -> None: ...


class MemoryCheckpoint:
    """A checkpoint that lives as long as the process: for runs without Redis."""

    def __init__(self) -> None:
        self._ledgers: dict[int, dict[str, object]] = {}
        self._model: dict[str, object] | None = None
        self._title: str | None = None

    async def title(self) -> str | None:
        return self._title

    async def save_title(self, title: str) -> None:
        self._title = title

    async def load(self) -> tuple[dict[int, LectureLedger], CreditModel | None]:
        ledgers = {i: LectureLedger.from_json(dict(d)) for i, d in self._ledgers.items()}
        return ledgers, CreditModel.from_json(dict(self._model)) if self._model else None

    async def save(self, ledgers: list[LectureLedger], model: CreditModel | None = None) -> None:
        for ledger in ledgers:
            self._ledgers[ledger.id] = ledger.to_json()
        if model is not None:
            self._model = model.to_json()

    async def clear(self) -> None:
        self._ledgers.clear()
        self._model = None
        self._title = None


class RedisCheckpoint:
    """A checkpoint in one Redis hash: a field per lecture plus the learned credit model."""

    def __init__(self, redis: Redis, key: str, ttl_s: int = 30 * 24 * 3600) -> None:
        self.redis = redis
        self.key = CHECKPOINT_PREFIX + key
        self.ttl_s = ttl_s

    async def title(self) -> str | None:
        value = await self.redis.hget(self.key, _TITLE_FIELD)
        return json.loads(value) if value else None

    async def save_title(self, title: str) -> None:
        await self.redis.hset(self.key, _TITLE_FIELD, json.dumps(title))

    async def load(self) -> tuple[dict[int, LectureLedger], CreditModel | None]:
        raw = await self.redis.hgetall(self.key)
        ledgers: dict[int, LectureLedger] = {}
        model = None
        for field, value in raw.items():
            name = field.decode() if isinstance(field, bytes) else field
            data = json.loads(value)
            if name == _TITLE_FIELD:
                continue
            if name == _MODEL_FIELD:
                model = CreditModel.from_json(data)
            else:
                ledger = LectureLedger.from_json(data)
                ledgers[ledger.id] = ledger
        return ledgers, model

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

    async def clear(self) -> None:
        await self.redis.delete(self.key)
