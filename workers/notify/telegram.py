"""The few Bot API calls the workers make (send, edit), over the worker's httpx client.

Statuses become exceptions here and nowhere else: "message is not modified" is success, a
message the student deleted is `MessageGone`, a bot the student blocked is `ChatClosed`, a
429 is `Throttled` with its `retry_after`. Every call first charges the shared
`MessageBudget`, and a 429 blocks that budget for everyone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.limits.messages import MessageKind
from workers.notify.errors import ChatClosed, MessageGone, SendRefused, Throttled

if TYPE_CHECKING:
    import httpx

    from core.chat import ChatTarget
    from core.conversation.texts import Keyboard
    from core.limits.messages import MessageBudget

NOT_MODIFIED = "message is not modified"
GONE = ("message to edit not found", "message can't be edited", "message_id_invalid")
CLOSED = ("bot was blocked by the user", "chat not found", "user is deactivated")


def inline_keyboard(keyboard: Keyboard) -> dict[str, Any]:
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": data} for label, data in row] for row in keyboard
        ]
    }


class TelegramSender:
    def __init__(
        self, http: httpx.AsyncClient, base_url: str, token: str, budget: MessageBudget
    ) -> None:
        self.http = http
        self.root = f"{base_url}{token}/"
        self.budget = budget

    async def send(
        self,
        chat: ChatTarget,
        text: str,
        keyboard: Keyboard | None = None,
        *,
        reply_to: ChatTarget | None = None,
        patience_s: float = 5.0,
    ) -> ChatTarget:
        """Post a message (an answer, so ahead of progress edits); returns where it is."""
        await self.budget.acquire(int(chat.chat_id), MessageKind.REPLY, patience_s)
        params: dict[str, Any] = {"chat_id": int(chat.chat_id), "text": text}
        if keyboard:
            params["reply_markup"] = inline_keyboard(keyboard)
        if reply_to is not None and reply_to.has_message:
            params["reply_parameters"] = {
                "message_id": int(reply_to.message_id),
                "allow_sending_without_reply": True,
            }
        result = await self._call("sendMessage", params)
        return chat.at(result["message_id"])

    async def edit(
        self,
        target: ChatTarget,
        text: str,
        keyboard: Keyboard | None = None,
        *,
        kind: MessageKind = MessageKind.REPLY,
        patience_s: float = 5.0,
        charged: bool = False,
    ) -> None:
        """Replace a message's text and buttons (no buttons removes them); `charged` when the
        caller already took the budget."""
        chat_id = int(target.chat_id)
        if not charged:
            await self.budget.acquire(chat_id, kind, patience_s)
        params: dict[str, Any] = {
            "chat_id": chat_id,
            "message_id": int(target.message_id),
            "text": text,
        }
        if keyboard:
            params["reply_markup"] = inline_keyboard(keyboard)
        try:
            await self._call("editMessageText", params)
        except SendRefused as exc:
            if NOT_MODIFIED in exc.description:
                return
            if any(reason in exc.description for reason in GONE):
                raise MessageGone(exc.description, exc.code) from exc
            raise

    async def _call(self, method: str, params: dict[str, Any]) -> Any:
        response = await self.http.post(self.root + method, json=params)
        try:
            body = response.json()
        except ValueError:
            raise SendRefused(f"HTTP {response.status_code} without JSON") from None
        if body.get("ok"):
            return body["result"]
        description = str(body.get("description", f"HTTP {response.status_code}"))
        code = int(body.get("error_code", response.status_code))
        retry_after = (body.get("parameters") or {}).get("retry_after")
        if code == 429 and retry_after is not None:
            await self.budget.block_for(float(retry_after))
            raise Throttled(description, float(retry_after))
        if code == 403 or any(reason in description.lower() for reason in CLOSED):
            raise ChatClosed(description, code)
        raise SendRefused(description, code)
