"""Request budgets: how fast the platform and the chat APIs may be asked (local and shared
in Redis)."""

from core.limits.local import LocalRateLimiter, RateLimiter, Unlimited
from core.limits.messages import MessageBudget, MessageKind, OverMessageBudget
from core.limits.routes import OverRouteBudget, RateLimitHeaders, RouteBudget
from core.limits.shared import OverBudget, SharedRateLimiter

__all__ = [
    "LocalRateLimiter",
    "MessageBudget",
    "MessageKind",
    "OverBudget",
    "OverMessageBudget",
    "OverRouteBudget",
    "RateLimitHeaders",
    "RateLimiter",
    "RouteBudget",
    "SharedRateLimiter",
    "Unlimited",
]
