import pytest
from cryptography.fernet import Fernet

from config import ConfigError
from core import keys
from core.vault import RotationBlocked, SecretBox, Vault, VaultError, fingerprint, new_key
from core.vtu import Credentials

CREDS = Credentials("student@vtu.test", "s3cret-pass")


def test_credentials_round_trip_and_are_stored_only_as_ciphertext(redis):
    vault = Vault(redis, SecretBox([new_key()]))
    vault.save_credentials("telegram:42", CREDS)
    vault.save_session("telegram:42", {"access_token": "eyJhbGciOi.jwt.sig"})
    assert vault.credentials("telegram:42") == CREDS
    assert vault.session("telegram:42") == {"access_token": "eyJhbGciOi.jwt.sig"}
    stored = b"".join(redis.hvals(keys.vault("telegram:42")))
    for secret in (b"student@vtu.test", b"s3cret-pass", b"eyJhbGciOi"):
        assert secret not in stored


def test_a_new_login_drops_the_cached_session(redis):
    vault = Vault(redis, SecretBox([new_key()]))
    vault.save_session("discord:7", {"access_token": "old"})
    vault.save_credentials("discord:7", CREDS)
    assert vault.session("discord:7") == {}


@pytest.mark.parametrize(
    ("secret_keys", "words"),
    [((), "AUTOPILOT_SECRET_KEYS is not set"), (("not-a-key",), "key 1 is not a Fernet key")],
)
def test_missing_or_malformed_keys_are_refused_clearly(secret_keys, words):
    with pytest.raises(ConfigError, match=words):
        SecretBox(secret_keys)


def test_rotation_re_encrypts_under_the_first_key_so_old_keys_can_go(redis):
    old, new = new_key(), new_key()
    Vault(redis, SecretBox([old])).save_credentials("telegram:1", CREDS)
    Vault(redis, SecretBox([old])).save_session("telegram:1", {"access_token": "t"})
    assert Vault(redis, SecretBox([new, old])).rotate() == 2
    only_new = Vault(redis, SecretBox([new]))
    assert only_new.credentials("telegram:1") == CREDS
    token = redis.hget(keys.vault("telegram:1"), "credentials")
    Fernet(new.encode()).decrypt(token)


def test_a_secret_under_a_dropped_key_is_a_clear_error(redis):
    Vault(redis, SecretBox([new_key()])).save_credentials("telegram:1", CREDS)
    with pytest.raises(VaultError, match="keys rotate"):
        Vault(redis, SecretBox([new_key()])).credentials("telegram:1")


def test_rotation_with_a_missing_key_changes_nothing_and_names_that_key(redis):
    used, lost, new = new_key(), new_key(), new_key()
    for student in ("telegram:1", "telegram:2", "telegram:3"):
        Vault(redis, SecretBox([used])).save_credentials(student, CREDS)
    Vault(redis, SecretBox([lost])).save_credentials("telegram:4", CREDS)
    before = {key: redis.hgetall(key) for key in redis.scan_iter(match=keys.vault("*"))}

    with pytest.raises(RotationBlocked) as blocked:
        Vault(redis, SecretBox([new, used])).rotate()

    assert {key: redis.hgetall(key) for key in redis.scan_iter(match=keys.vault("*"))} == before
    assert [s.owner for s in blocked.value.unreadable] == ["telegram:4"]
    explained = str(blocked.value)
    assert fingerprint(lost) in explained and "AUTOPILOT_SECRET_KEYS" in explained
    assert fingerprint(new) in explained and fingerprint(used) in explained
    assert "telegram:4 credentials" in explained
    for key in (used, lost, new):
        assert key not in explained and key[:12] not in explained
    Vault(redis, SecretBox([new, used, lost])).rotate()
    assert Vault(redis, SecretBox([new])).credentials("telegram:4") == CREDS


def test_rotation_names_secrets_stored_before_fingerprints_by_when(redis):
    token = Fernet(new_key().encode()).encrypt(b"{}")
    redis.hset(keys.vault("telegram:9"), "credentials", token)
    with pytest.raises(RotationBlocked, match=r"telegram:9 credentials \(encrypted on 20"):
        Vault(redis, SecretBox([new_key()])).rotate()
    assert redis.hget(keys.vault("telegram:9"), "credentials") == token


def test_fingerprints_are_short_stable_and_not_the_key():
    key = new_key()
    assert fingerprint(key) == fingerprint(key) != fingerprint(new_key())
    assert len(fingerprint(key)) == 8 and fingerprint(key) not in key
    assert SecretBox([key, new_key()]).fingerprints[0] == fingerprint(key)
