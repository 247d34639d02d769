"""The shared message budget: per-chat edit interval, answers first, a 429 obeyed by all."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis as AsyncRedis

from core.limits.messages import EDIT_MARGIN_S, MessageBudget, MessageKind, OverMessageBudget


def with_budget(redis_url: str, action, **kwargs):
    async def main():
        client = AsyncRedis.from_url(redis_url)
        try:
            return await action(MessageBudget(client, **kwargs))
        finally:
            await client.aclose()

    return asyncio.run(main())


def test_one_edit_per_chat_per_interval_while_answers_still_pass(redis_url):
    async def scenario(budget: MessageBudget):
        first = await budget.try_acquire(7, MessageKind.EDIT)
        second = await budget.try_acquire(7, MessageKind.EDIT)
        other_chat = await budget.try_acquire(8, MessageKind.EDIT)
        answer = await budget.try_acquire(7, MessageKind.REPLY)
        return first, second, other_chat, answer

    first, second, other_chat, answer = with_budget(redis_url, scenario, edit_interval_s=3.0)
    assert first == 0 and other_chat == 0 and answer == 0
    assert 3.0 < second <= 3.0 + EDIT_MARGIN_S  # the interval plus a margin for jitter


def test_a_chat_gets_at_most_two_messages_back_to_back(redis_url):
    async def scenario(budget: MessageBudget):
        return [await budget.try_acquire(9, MessageKind.REPLY) for _ in range(3)]

    waits = with_budget(redis_url, scenario, edit_interval_s=3.0)
    assert waits[:2] == [0, 0] and 0.5 < waits[2] <= 1.0


def test_the_bot_wide_rate_holds_across_chats_and_edits_leave_room_for_answers(redis_url):
    async def scenario(budget: MessageBudget):
        edits = [await budget.try_acquire(chat, MessageKind.EDIT) for chat in range(40)]
        answers = [await budget.try_acquire(1000 + c, MessageKind.REPLY) for c in range(10)]
        return edits, answers

    edits, answers = with_budget(redis_url, scenario, edit_interval_s=3.0)
    assert edits.count(0) == 2  # edits: 20/s with a burst of one
    assert all(wait <= 40 * 0.05 for wait in edits)
    assert answers.count(0) >= 1  # answers still find room at once


def test_retry_after_blocks_everyone_and_acquire_gives_up_past_patience(redis_url):
    async def scenario(budget: MessageBudget):
        await budget.block_for(5)
        wait = await budget.try_acquire(1, MessageKind.REPLY)
        with pytest.raises(OverMessageBudget):
            await budget.acquire(2, MessageKind.REPLY, patience_s=0.5)
        return wait

    assert 4.5 < with_budget(redis_url, scenario, edit_interval_s=3.0) <= 5.0


def test_a_crowd_of_answers_is_booked_in_order_and_a_late_one_books_nothing(redis_url):
    async def scenario(budget: MessageBudget):
        loop = asyncio.get_running_loop()

        async def slot(chat: int) -> tuple[float, float]:
            wait = await budget.book(chat, MessageKind.REPLY, within_s=10)
            return wait, loop.time() + wait

        booked = [await slot(5000 + c) for c in range(50)]
        with pytest.raises(OverMessageBudget):
            await budget.book(9999, MessageKind.REPLY, within_s=0.5)
        return booked, await slot(9999)

    booked, (_, last) = with_budget(redis_url, scenario, edit_interval_s=3.0)
    assert [wait for wait, _ in booked[:3]] == [0, 0, 0]  # the first and a burst of two
    slots = [at for _, at in booked[2:]]
    assert abs((slots[-1] - slots[0]) - 47 / 25) < 0.1  # then one every 1/25 s
    assert abs((last - slots[-1]) - 1 / 25) < 0.1  # the refused booking took no slot
