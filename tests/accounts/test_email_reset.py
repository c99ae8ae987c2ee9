"""Self-service reset by email (Django's views, in Chinese), offered only where mail is set up."""

import re

import pytest
from django.core import mail

PASSWORD = "Gq7!wide-river-2026"


@pytest.fixture
def mail_on(settings):
    settings.EMAIL_RESET = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_the_reset_pages_answer_404_without_mail(client, settings):
    settings.EMAIL_RESET = False
    assert client.get("/accounts/password/reset/").status_code == 404
    assert "通过邮箱重置" not in client.get("/accounts/login/").content.decode()


def test_a_reset_by_email_sets_a_new_password(district, alice, client, mail_on):
    alice.email = "alice@example.org"
    alice.save()
    assert "通过邮箱重置" in client.get("/accounts/login/").content.decode()
    response = client.post("/accounts/password/reset/", {"email": "alice@example.org"})
    assert response.status_code == 302
    (message,) = mail.outbox
    assert "重置密码" in message.subject and "alice" in message.body
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body)[1]
    form = client.get(link, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(district, client, mail_on):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302 and mail.outbox == []


def test_reset_mails_are_rate_limited(district, client, mail_on, settings, local_cache):
    settings.CODE_RATE_LIMIT = "2/10m"
    statuses = [
        client.post("/accounts/password/reset/", {"email": "x@example.org"}).status_code
        for _ in range(4)
    ]
    assert statuses == [302, 302, 429, 429]
