"""Request budgets: how fast the platform may be asked (local and shared in Redis)."""

from core.limits.local import LocalRateLimiter, RateLimiter, Unlimited

__all__ = ["LocalRateLimiter", "RateLimiter", "Unlimited"]
