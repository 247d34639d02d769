"""The embedded server: a generated password kept owner-only, loopback only, files at rest
the owner's only."""

import stat
import time

import pytest
import redis as redis_lib

from core.embedded_redis import PASSWORD_FILE, EmbeddedRedis


@pytest.fixture
def server(tmp_path):
    data = tmp_path / "redis"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    (data / "left-by-an-old-version.aof").write_text("")
    (data / "left-by-an-old-version.aof").chmod(0o644)
    embedded = EmbeddedRedis(data)
    embedded.start()
    yield embedded
    embedded.stop()


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_client_without_the_password_is_refused(server):
    anonymous = redis_lib.Redis.from_url(server.address)
    with pytest.raises(redis_lib.AuthenticationError):
        anonymous.set("key", "value")
    anonymous.close()
    with redis_lib.Redis.from_url(server.url) as client:
        assert client.ping()
        assert client.config_get("bind") == {"bind": "127.0.0.1"}


def test_the_folder_and_everything_in_it_are_the_owners_only(server, tmp_path):
    data = tmp_path / "redis"
    with redis_lib.Redis.from_url(server.url) as client:
        client.set("key", "value")
        client.bgrewriteaof()  # new append-only files, made by the server itself
        deadline = time.monotonic() + 30
        while (
            client.info("persistence")["aof_rewrite_in_progress"]
            or client.info("persistence")["aof_rewrite_scheduled"]
        ):
            assert time.monotonic() < deadline, "the rewrite did not finish"
            time.sleep(0.05)
    assert mode(data) == 0o700
    assert mode(data / PASSWORD_FILE) == 0o600
    files = list(data.rglob("*"))
    assert any("appendonly" in p.name for p in files), "no append-only file to check"
    exposed = {str(p.relative_to(data)): oct(mode(p)) for p in files if mode(p) & 0o077}
    assert exposed == {}


def test_a_restart_keeps_the_password_and_the_data(server, tmp_path):
    url = server.url
    with redis_lib.Redis.from_url(url) as client:
        client.set("key", "value")
    server.stop()
    again = EmbeddedRedis(tmp_path / "redis")
    again.start()
    try:
        assert again.url.split("@")[0] == url.split("@")[0]
        with redis_lib.Redis.from_url(again.url) as client:
            assert client.get("key") == b"value"
    finally:
        again.stop()
