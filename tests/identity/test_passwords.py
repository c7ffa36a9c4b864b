import pytest

from jifen.identity import passwords


def test_hash_verifies_only_the_right_password():
    hashed = passwords.hash_password("Correct-horse-1")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify_password(hashed, "Correct-horse-1")
    assert not passwords.verify_password(hashed, "correct-horse-1")
    assert not passwords.verify_password("not-a-hash", "x")


@pytest.mark.parametrize(
    "password, personal",
    [("short1", ()), ("abcdefghij", ()), ("1234567890", ()), ("password1", ()), ("Aa1Aa1Aa1", ()),
     ("x13912345678y", ("13912345678",))],
)
def test_weak_passwords_are_refused_with_a_reason(password, personal):
    assert passwords.weakness(password, *personal)


def test_reasonable_password_is_accepted():
    assert passwords.weakness("Tea-garden-2026", "13912345678") is None
