"""core.clientip.client_ip: the real client's address behind the trusted proxies, never a header
the client wrote itself."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory, override_settings

from core.clientip import UNKNOWN, client_ip

ROOT = Path(__file__).resolve().parent.parent.parent


def _request(remote="10.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_it_ignores_the_header_without_a_trusted_proxy():
    assert client_ip(_request("198.51.100.7", "203.0.113.5")) == "198.51.100.7"


@override_settings(TRUSTED_PROXY_COUNT=1)
@pytest.mark.parametrize(
    "chain, expected",
    [
        ("203.0.113.5", "203.0.113.5"),
        # The client wrote the left entries itself; the proxy appended the last one.
        ("1.1.1.1, 203.0.113.5", "203.0.113.5"),
        ("1.1.1.1,203.0.113.5", "203.0.113.5"),
        ("garbage, 203.0.113.5", "203.0.113.5"),
        ("  203.0.113.5  ", "203.0.113.5"),
        ("2001:DB8::0001", "2001:db8::1"),
        ("::ffff:203.0.113.5", "203.0.113.5"),
    ],
)
def test_it_reads_the_address_the_trusted_proxy_saw(chain, expected):
    assert client_ip(_request("10.0.0.1", chain)) == expected


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_it_counts_proxies_from_the_right():
    assert client_ip(_request("10.0.0.2", "6.6.6.6, 203.0.113.5, 10.0.0.1")) == "203.0.113.5"


@override_settings(TRUSTED_PROXY_COUNT=2)
@pytest.mark.parametrize("chain", [None, "", " , ", "10.0.0.1"])
def test_a_chain_shorter_than_the_proxies_falls_back_to_the_peer(chain):
    assert client_ip(_request("10.0.0.2", chain)) == "10.0.0.2"


@override_settings(TRUSTED_PROXY_COUNT=1)
@pytest.mark.parametrize(
    "garbage",
    [
        "unknown",
        "203.0.113.5:8080",
        "[2001:db8::1]",
        "999.1.1.1",
        "01.2.3.4",
        "１.２.３.４",
        "١٢٣.1.1.1",
        "fe80::1%eth0",
        "203.0.113.5\x00",
        "x" * 10_000,
    ],
)
def test_a_value_that_is_not_an_address_falls_back_to_the_peer(garbage):
    assert client_ip(_request("10.0.0.1", garbage)) == "10.0.0.1"


@pytest.mark.parametrize("remote", ["", "not-an-address"])
def test_a_request_without_a_readable_address_counts_as_unknown(remote):
    assert client_ip(_request(remote)) == UNKNOWN


def _proxy_count(tmp_path, **env) -> str:
    code = "from django.conf import settings; print(settings.TRUSTED_PROXY_COUNT)"
    base = {
        k: v for k, v in os.environ.items() if k not in {"TRUSTED_PROXY_COUNT", "AXES_PROXY_COUNT"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env={**base, "VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout.strip() or result.stderr


def test_the_proxy_count_comes_from_the_environment_with_the_older_name_as_fallback(tmp_path):
    assert _proxy_count(tmp_path) == "0"
    assert _proxy_count(tmp_path, AXES_PROXY_COUNT="2") == "2"
    assert _proxy_count(tmp_path, TRUSTED_PROXY_COUNT="1", AXES_PROXY_COUNT="2") == "1"
