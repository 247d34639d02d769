"""Every unknown and every fault of the emulated platform, as one mutable settings object."""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_args, get_type_hints

EXPIRED_STATUSES = (401, 403, 419)
WRONG_PASSWORD_STATUSES = (401, 422)
CHUNK_OVER_CAP_MODES = ("clamp", "refuse")
PERCENT_ROUNDINGS = ("floor", "round")
ENROLLMENTS_SHAPES = ("list", "object", "nested")


@dataclass
class EmulatorSettings:
    session_lifetime_s: float = 3600.0
    session_max_requests: int | None = None
    expired_status: int = 401
    wrong_password_status: int = 401
    chunk_cap_s: float = 120.0
    chunk_over_cap: str = "clamp"
    wallclock_cap: bool = True
    wallclock_rate: float = 1.0
    locked_lectures: str = ""
    """Comma-separated lecture ids the platform shows as locked."""
    """Credited seconds per (scaled) second since the lecture's last touch, under the cap."""
    time_scale: float = 1.0
    percent_rounding: str = "floor"
    rate_limit_requests: int | None = 60
    rate_limit_window_s: float = 60.0
    min_interval_s: float = 0.0
    error_rate: float = 0.0
    latency_s: float = 0.0
    enrollments_shape: str = "list"
    seed: int = 1

    def problems(self) -> list[str]:
        """Human-readable reasons why these values cannot be served (empty when valid)."""
        checks = [
            (self.session_lifetime_s > 0, "session_lifetime_s must be > 0"),
            (
                self.session_max_requests is None or self.session_max_requests >= 1,
                "session_max_requests must be None or >= 1",
            ),
            (
                self.expired_status in EXPIRED_STATUSES,
                f"expired_status must be one of {EXPIRED_STATUSES}",
            ),
            (
                self.wrong_password_status in WRONG_PASSWORD_STATUSES,
                f"wrong_password_status must be one of {WRONG_PASSWORD_STATUSES}",
            ),
            (self.chunk_cap_s >= 0, "chunk_cap_s must be >= 0"),
            (
                self.chunk_over_cap in CHUNK_OVER_CAP_MODES,
                f"chunk_over_cap must be one of {CHUNK_OVER_CAP_MODES}",
            ),
            (self.time_scale > 0, "time_scale must be > 0"),
            (self.wallclock_rate > 0, "wallclock_rate must be > 0"),
            (
                self.percent_rounding in PERCENT_ROUNDINGS,
                f"percent_rounding must be one of {PERCENT_ROUNDINGS}",
            ),
            (
                self.rate_limit_requests is None or self.rate_limit_requests >= 1,
                "rate_limit_requests must be None or >= 1",
            ),
            (self.rate_limit_window_s > 0, "rate_limit_window_s must be > 0"),
            (self.min_interval_s >= 0, "min_interval_s must be >= 0"),
            (0.0 <= self.error_rate <= 1.0, "error_rate must be between 0 and 1"),
            (self.latency_s >= 0, "latency_s must be >= 0"),
            (
                self.enrollments_shape in ENROLLMENTS_SHAPES,
                f"enrollments_shape must be one of {ENROLLMENTS_SHAPES}",
            ),
        ]
        return [message for ok, message in checks if not ok]

    def locked_ids(self) -> set[int]:
        return {int(x) for x in self.locked_lectures.split(",") if x.strip().isdigit()}

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def update(self, changes: Mapping[str, Any]) -> None:
        """Apply a partial update (e.g. decoded JSON) all-or-nothing; raises ValueError."""
        hints = get_type_hints(EmulatorSettings)
        coerced: dict[str, Any] = {}
        errors: list[str] = []
        for name, value in changes.items():
            if name not in hints:
                errors.append(f"unknown setting {name!r}")
                continue
            try:
                coerced[name] = _coerce(value, hints[name])
            except TypeError:
                errors.append(f"{name}: {value!r} is not a valid {_type_name(hints[name])}")
        if not errors:
            errors = dataclasses.replace(self, **coerced).problems()
        if errors:
            raise ValueError("; ".join(errors))
        for name, value in coerced.items():
            setattr(self, name, value)


def _coerce(value: Any, hint: Any) -> Any:
    allowed = get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if value is None and type(None) in allowed:
        return None
    if isinstance(value, bool):
        if bool in allowed:
            return value
    elif isinstance(value, int) and int in allowed:
        return value
    elif isinstance(value, int | float) and float in allowed:
        return float(value)
    elif isinstance(value, str) and str in allowed:
        return value
    raise TypeError(value)


def _type_name(hint: Any) -> str:
    allowed = get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    return " or ".join("null" if kind is type(None) else kind.__name__ for kind in allowed)
