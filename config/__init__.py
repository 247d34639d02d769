"""Settings of VTU AutoPilot, read from the environment (see `config.settings`)."""

from config.settings import ConfigError, Settings, child_environment

__all__ = ["ConfigError", "Settings", "child_environment"]
