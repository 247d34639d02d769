import pytest

from config import ConfigError, Settings, child_environment


def test_defaults_are_the_contract():
    settings = Settings.from_env({})
    assert settings.redis_url is None
    assert settings.vtu_base_url == "https://online.vtu.ac.in/api/v1"
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert settings.discord_api_base_url == "https://discord.com/api/v10"
    assert settings.discord_gateway_url == "wss://gateway.discord.gg/"
    assert settings.vtu_rate_limit == 1.0
    assert settings.secret_keys == ()


def test_reads_every_contract_name():
    settings = Settings.from_env(
        {
            "REDIS_URL": "redis://127.0.0.1:6390/1",
            "VTU_BASE_URL": "http://127.0.0.1:8765/api/v1/",
            "TELEGRAM_BOT_TOKEN": "1:abc",
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8766/bot",
            "DISCORD_BOT_TOKEN": "xyz",
            "DISCORD_API_BASE_URL": "http://127.0.0.1:8767/api/v10",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:8768/",
            "VTU_RATE_LIMIT": "2.5",
            "VTU_GLOBAL_RATE_LIMIT": "40",
            "AUTOPILOT_SECRET_KEYS": "k1, k2",
        }
    )
    assert settings.vtu_base_url == "http://127.0.0.1:8765/api/v1"
    assert settings.vtu_rate_limit == 2.5
    assert settings.vtu_global_rate_limit == 40
    assert settings.secret_keys == ("k1", "k2")
    assert "1:abc" not in repr(settings) and "k1" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("VTU_BASE_URL", "online.vtu.ac.in", "VTU_BASE_URL"),
        ("REDIS_URL", "http://x", "REDIS_URL"),
        ("VTU_RATE_LIMIT", "fast", "requests per second"),
        ("VTU_GLOBAL_RATE_LIMIT", "0", "positive"),
    ],
)
def test_bad_values_are_refused_with_their_name(name, value, words):
    with pytest.raises(ConfigError, match=words):
        Settings.from_env({name: value})


def test_env_file_is_read_and_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comment\nexport VTU_RATE_LIMIT=3\nVTU_BASE_URL='http://127.0.0.1:1/api/v1'\n"
    )
    settings = Settings.from_env({"VTU_RATE_LIMIT": "4"}, env_file=env_file)
    assert settings.vtu_rate_limit == 4
    assert settings.vtu_base_url == "http://127.0.0.1:1/api/v1"


def test_settings_round_trip_through_the_environment_of_a_child():
    settings = Settings.from_env(
        {
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "AUTOPILOT_SECRET_KEYS": "a,b",
            "VTU_RATE_LIMIT": "3",
        }
    )
    env = child_environment(settings, {"PATH": "/bin", "VTU_BASE_URL": "http://elsewhere/api"})
    assert env["PATH"] == "/bin"
    assert Settings.from_env(env) == settings


def test_retention_days_default_and_validation():
    assert Settings.from_env({}).retention_days == 30
    settings = Settings.from_env({"AUTOPILOT_RETENTION_DAYS": "7"})
    assert settings.retention_days == 7 and settings.retention_s == 7 * 24 * 3600
    assert Settings.from_env(settings.to_env()) == settings
    for bad in ("0", "-1", "3651", "a month", "1.5"):
        with pytest.raises(ConfigError, match="AUTOPILOT_RETENTION_DAYS"):
            Settings.from_env({"AUTOPILOT_RETENTION_DAYS": bad})
