"""The load test's exemption from the rate limits (RATE_LIMIT_EXEMPT_LOOPBACK): off by default,
for the loopback client alone when on, and refused by `check --deploy`."""

from django.core.checks import run_checks
from django.test import RequestFactory

from core import ratelimits


def _request(address: str):
    return RequestFactory().get("/", REMOTE_ADDR=address)


def _refused_after(request, times: int) -> bool:
    for _ in range(times):
        refused = ratelimits.exceeded(request, group="test-exempt", rate="2/m")
    return refused


def test_the_loopback_client_is_limited_by_default(db, local_cache):
    assert _refused_after(_request("127.0.0.1"), 3)


def test_the_exemption_lifts_the_limit_for_the_loopback_client_alone(db, local_cache, settings):
    settings.RATE_LIMIT_EXEMPT_LOOPBACK = True
    assert not _refused_after(_request("127.0.0.1"), 5)
    assert _refused_after(_request("203.0.113.9"), 3)


def test_check_deploy_refuses_it(settings):
    settings.RATE_LIMIT_EXEMPT_LOOPBACK = True
    ids = {message.id for message in run_checks(include_deployment_checks=True)}
    assert "core.E003" in ids
    settings.RATE_LIMIT_EXEMPT_LOOPBACK = False
    ids = {message.id for message in run_checks(include_deployment_checks=True)}
    assert "core.E003" not in ids
