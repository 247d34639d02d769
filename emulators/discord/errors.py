"""Discord's failures as exceptions, and the JSON error bodies Discord answers with:
``{"code": N, "message": "..."}``, plus ``errors`` (nested per field) for invalid form bodies."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """One failed request: HTTP status, Discord's JSON error code and message."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def invalid_form_body(errors: dict[str, Any]) -> ApiError:
    return ApiError(400, 50035, "Invalid Form Body", errors)


def unauthorized() -> ApiError:
    return ApiError(401, 0, "401: Unauthorized")


def not_found() -> ApiError:
    return ApiError(404, 0, "404: Not Found")


def method_not_allowed() -> ApiError:
    return ApiError(405, 0, "405: Method Not Allowed")


def unknown_channel() -> ApiError:
    return ApiError(404, 10003, "Unknown Channel")


def unknown_message() -> ApiError:
    return ApiError(404, 10008, "Unknown Message")


def unknown_user() -> ApiError:
    return ApiError(404, 10013, "Unknown User")


def unknown_webhook() -> ApiError:
    return ApiError(404, 10015, "Unknown Webhook")


def unknown_command() -> ApiError:
    return ApiError(404, 10063, "Unknown application command")


def unknown_interaction() -> ApiError:
    return ApiError(404, 10062, "Unknown interaction")


def unknown_guild() -> ApiError:
    return ApiError(404, 10004, "Unknown Guild")


def unknown_application() -> ApiError:
    return ApiError(404, 10002, "Unknown Application")


def cannot_act_in_dm() -> ApiError:
    return ApiError(403, 50003, "Cannot execute action on a DM channel")


def cannot_edit_others_message() -> ApiError:
    return ApiError(403, 50005, "Cannot edit a message authored by another user")


def cannot_send_empty_message() -> ApiError:
    return ApiError(400, 50006, "Cannot send an empty message")


def cannot_message_user() -> ApiError:
    return ApiError(403, 50007, "Cannot send messages to this user")


def invalid_webhook_token() -> ApiError:
    return ApiError(401, 50027, "Invalid Webhook Token")


def invalid_recipients() -> ApiError:
    return ApiError(400, 50033, "Invalid Recipient(s)")


def already_acknowledged() -> ApiError:
    return ApiError(400, 40060, "Interaction has already been acknowledged.")


def not_json() -> ApiError:
    return ApiError(400, 50109, "The request body contains invalid JSON.")


def field_error(path: list[str | int], code: str, message: str) -> dict[str, Any]:
    """One entry of ``errors`` in Discord's nesting: ``{"a": {"0": {"_errors": [...]}}}``."""
    node: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for key in reversed(path):
        node = {str(key): node}
    return node


def merge_errors(into: dict[str, Any], more: dict[str, Any]) -> None:
    for key, value in more.items():
        if key == "_errors":
            into.setdefault("_errors", []).extend(value)
        else:
            merge_errors(into.setdefault(key, {}), value)
