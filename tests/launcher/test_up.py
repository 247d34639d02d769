"""`autopilot up` gives each child process only the settings it needs."""

from config import Settings
from core.vault import new_key
from launcher.up import plan_children

TOKEN = "123456789:AAE" + "x" * 32
MACHINE = {
    "PATH": "/usr/bin",
    "HOME": "/home/admin",
    "PYTHONPATH": "/srv/autopilot",
    "VTU_PASSWORD": "the admin's own VTU password",
    "AWS_SECRET_ACCESS_KEY": "another program's secret",
}


def test_each_child_gets_only_what_it_needs():
    key = new_key()
    settings = Settings(
        redis_url="redis://:redis-pass@127.0.0.1:6390/0",
        secret_keys=(key,),
        telegram_bot_token=TOKEN,
        dashboard_password="dash-pass",
    )
    children = {child.name: child.env for child in plan_children(settings, 1, 9181, MACHINE)}
    assert set(children) == {"worker-1", "scheduler", "dashboard", "telegram"}
    for name, env in children.items():
        assert env["PATH"] == "/usr/bin" and env["PYTHONPATH"] == "/srv/autopilot", name
        assert env["REDIS_URL"] == settings.redis_url, name
        assert "VTU_PASSWORD" not in env and "AWS_SECRET_ACCESS_KEY" not in env, name
    dashboard = children["dashboard"]
    assert set(dashboard) - set(MACHINE) == {
        "REDIS_URL",
        "AUTOPILOT_DASHBOARD_PASSWORD",
        "AUTOPILOT_LOG_FORMAT",
    }
    assert key not in dashboard.values() and TOKEN not in dashboard.values()
    assert set(children["scheduler"]) - set(MACHINE) == {"REDIS_URL", "AUTOPILOT_LOG_FORMAT"}
    worker = children["worker-1"]
    assert worker["AUTOPILOT_SECRET_KEYS"] == key and worker["TELEGRAM_BOT_TOKEN"] == TOKEN
    assert "AUTOPILOT_DASHBOARD_PASSWORD" not in worker
    assert children["telegram"]["AUTOPILOT_SECRET_KEYS"] == key
    assert "AUTOPILOT_DASHBOARD_PASSWORD" not in children["telegram"]


def test_up_says_which_parts_are_off_and_what_turns_them_on(capsys):
    settings = Settings(redis_url="redis://127.0.0.1:6390/0", secret_keys=(new_key(),))
    children = plan_children(settings, 2, 9181, MACHINE)
    assert [child.name for child in children] == ["worker-1", "worker-2", "scheduler"]
    said = capsys.readouterr().err
    assert "Dashboard off: set AUTOPILOT_DASHBOARD_PASSWORD to turn it on." in said
    assert "Telegram bot off: set TELEGRAM_BOT_TOKEN to turn it on." in said
    assert "Discord bot off: set DISCORD_BOT_TOKEN to turn it on." in said
