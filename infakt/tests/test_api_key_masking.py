"""An InFakt error body that echoes the API key never leaves any part of it in the error (which
managers read on a run's page) or in the logs: the key is masked first, the text shortened after.
Tried with the key at every position of a long body, in both error shapes InFakt uses."""

from __future__ import annotations

import json
import logging

import pytest
import responses

from infakt.client import InfaktAPI
from infakt.errors import InfaktAuthError
from infakt.tests import API_KEY, BASE_URL, FakeClock

LENGTH = 400  # longer than the 300 characters an error keeps


def fragments(key: str, size: int = 6) -> set[str]:
    return {key[i : i + size] for i in range(len(key) - size + 1)}


@pytest.mark.parametrize("shape", ["error", "errors"])
def test_no_part_of_the_key_survives_at_any_position(shape, caplog):
    caplog.set_level(logging.DEBUG)
    clock = FakeClock()
    api = InfaktAPI(API_KEY, BASE_URL, sleep=clock.sleep, clock=clock, max_retries=0)
    assert not set("._") & set(API_KEY)  # the filler below cannot form a fragment of the key
    leaks = []
    with responses.RequestsMock() as rsps:
        for position in range(LENGTH - len(API_KEY) + 1):
            text = "." * position + API_KEY + "_" * (LENGTH - len(API_KEY) - position)
            body = {"error": text} if shape == "error" else {"errors": {"base": [text]}}
            rsps.get(f"{BASE_URL}/clients/7.json", json=body, status=401)
            with pytest.raises(InfaktAuthError) as excinfo:
                api.get_client(7)
            message = str(excinfo.value)
            if any(fragment in message for fragment in fragments(API_KEY)):
                leaks.append((position, message[-60:]))
            assert len(message) < 400  # still shortened
    assert leaks == []
    assert not any(fragment in caplog.text for fragment in fragments(API_KEY))


def test_the_masked_error_keeps_the_apis_words():
    clock = FakeClock()
    api = InfaktAPI(API_KEY, BASE_URL, sleep=clock.sleep, clock=clock, max_retries=0)
    with responses.RequestsMock() as rsps:
        rsps.get(f"{BASE_URL}/clients/7.json", json={"errors": {"api_key": [f"{API_KEY} is invalid"]}}, status=401)
        with pytest.raises(InfaktAuthError) as excinfo:
            api.get_client(7)
    assert json.dumps({"api_key": ["*** is invalid"]}) in str(excinfo.value)
