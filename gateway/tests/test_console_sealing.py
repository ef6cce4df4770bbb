"""Sealed cookie values: what one gateway seals, only a gateway with the same secret opens,
for the same purpose, unaltered."""

from __future__ import annotations

import base64

import pytest

from gateway.console.sealing import Sealer

VALUE = {"access_token": "eyJhbGciOi.payload.signature", "csrf_token": "abc", "last_seen": 1.5}


def test_a_sealed_value_opens_with_the_same_secret_on_another_instance():
    sealed = Sealer("the-secret").seal("gip_console", VALUE)
    assert Sealer("the-secret").open("gip_console", sealed) == VALUE


def test_a_sealed_value_shows_nothing_of_its_content():
    sealed = Sealer("the-secret").seal("gip_console", VALUE)
    raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    for part in (b"eyJ", b"payload", b"csrf", b"access_token"):
        assert part not in raw and part.decode() not in sealed


def test_sealing_twice_gives_two_texts():
    sealer = Sealer("the-secret")
    assert sealer.seal("gip_console", VALUE) != sealer.seal("gip_console", VALUE)


def test_another_secret_or_purpose_does_not_open_it():
    sealed = Sealer("the-secret").seal("gip_console", VALUE)
    assert Sealer("another-secret").open("gip_console", sealed) is None
    assert Sealer("the-secret").open("gip_console_login", sealed) is None


# The last character is left out: in unpadded base64 its low bits may be padding, not data.
@pytest.mark.parametrize("position", [0, 1, 5, 20, -2])
def test_an_altered_value_does_not_open(position):
    sealer = Sealer("the-secret")
    sealed = list(sealer.seal("gip_console", VALUE))
    sealed[position] = "A" if sealed[position] != "A" else "B"
    assert sealer.open("gip_console", "".join(sealed)) is None


@pytest.mark.parametrize("text", ["", "x", "not base64 !", "AAAA", "A" * 200])
def test_garbage_does_not_open(text):
    assert Sealer("the-secret").open("gip_console", text) is None


def test_a_truncated_value_does_not_open():
    sealer = Sealer("the-secret")
    sealed = sealer.seal("gip_console", VALUE)
    assert sealer.open("gip_console", sealed[: len(sealed) // 2]) is None


def test_a_rotated_secret_still_opens_what_the_previous_one_sealed():
    sealed_before = Sealer("old-secret").seal("gip_console", VALUE)
    rotated = Sealer("new-secret", "old-secret")
    assert rotated.open("gip_console", sealed_before) == VALUE
    sealed_after = rotated.seal("gip_console", VALUE)  # sealed anew with the new secret
    assert Sealer("new-secret").open("gip_console", sealed_after) == VALUE
    assert Sealer("old-secret").open("gip_console", sealed_after) is None
    assert Sealer("new-secret").open("gip_console", sealed_before) is None  # once dropped
