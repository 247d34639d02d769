import pytest
from cryptography.fernet import Fernet

from config import ConfigError
from core import keys
from core.vault import SecretBox, Vault, VaultError, new_key
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
