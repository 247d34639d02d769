"""The launcher's tests run processes over the same worker fixtures (Redis, the VTU stand-in)."""

from tests.workers.conftest import ctx, drain, logged_in, settings, vtu

__all__ = ["ctx", "drain", "logged_in", "settings", "vtu"]
