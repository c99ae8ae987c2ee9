"""A visible focus ring (issue 9, point 11): a keyboard user sees where they are, on the party-red
primary button too, whose Bootstrap focus shadow is a pale tint of its own colour."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_focused_primary_button_shows_a_ring(desktop, live_server):
    desktop.goto(f"{live_server.url}/accounts/login/")
    desktop.fill("input[name=username]", "someone")
    desktop.fill("input[name=password]", "secret")
    desktop.keyboard.press("Tab")  # from the password to the 登录 button
    button = desktop.locator("button[type=submit]")
    assert button.evaluate("el => el === document.activeElement")
    style = button.evaluate(
        "el => { const s = getComputedStyle(el);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor]; }"
    )
    outline_style, width, color = style
    assert outline_style != "none" and width >= 2, style
    background = button.evaluate("el => getComputedStyle(el).backgroundColor")
    assert color != background, (color, background)  # the ring stands apart from the button
