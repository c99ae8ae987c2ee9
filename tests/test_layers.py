"""The layers beyond what import-linter sees (docs/ARCHITECTURE.md): a lower app's template never
names an upper app's URL, and a lower app's code never reaches an upper app by a string (a task
name, apps.get_model, a URL name, a template). Both show a higher app's part only through a slot.
The frame every page extends (templates/base.html, with oversight's navigation) is the top's."""

import ast
import re
import tomllib
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parent.parent
# The apps from the bottom up, as import-linter's contract has them (config, the top, aside).
CONTRACT = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
LAYERS = [app for app in reversed(CONTRACT["contracts"][0]["layers"]) if app != "config"]
URL_TAG = re.compile(r"""\{%\s*url\s+['"]([\w:]+)['"]""")
# Calls that name an app by its label: apps.get_model("pledges", "Pledge") and the like.
BY_LABEL = {"get_model", "get_app_config", "get_containing_app_config"}


def _url_apps(patterns=None, namespace=""):
    """URL name → the app whose view answers it."""
    found = {}
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found |= _url_apps(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            module = getattr(entry.callback, "__module__", "") or ""
            found[f"{namespace}{entry.name}"] = module.split(".")[0]
    return found


def _above(app: str) -> list[str]:
    return LAYERS[LAYERS.index(app) + 1 :]


def test_no_template_of_a_lower_app_names_an_upper_apps_url():
    url_apps = _url_apps()
    wrong = []
    for app in LAYERS:
        for path in sorted((ROOT / "templates" / app).rglob("*.html")):
            for name in URL_TAG.findall(path.read_text(encoding="utf-8")):
                if url_apps.get(name) in _above(app):
                    wrong.append(f"{path.relative_to(ROOT)} names {name} ({url_apps[name]})")
    assert not wrong, "use a slot (core/slots.py) instead: " + "; ".join(wrong)


def _strings_in_calls(tree):
    """(line, the called function's name, a string constant given to it) of every call."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    yield node.lineno, name, argument.value


def _names_upper(app: str, func: str, value: str, url_apps: dict) -> bool:
    upper = _above(app)
    return (
        url_apps.get(value) in upper  # a URL name, whatever its namespace (board: is pledges)
        or re.match(rf"^({'|'.join(upper) or '$^'})[.:/]", value) is not None  # task, template
        or (func in BY_LABEL and value in upper)  # apps.get_model("pledges", …)
    )


def test_no_lower_app_reaches_an_upper_app_by_a_string():
    url_apps = _url_apps()
    wrong = []
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for line, func, value in _strings_in_calls(tree):
                if _names_upper(app, func, value, url_apps):
                    wrong.append(f"{path.relative_to(ROOT)}:{line} {value!r}")
    assert not wrong, "a lower app must not name an upper app: " + "; ".join(wrong)


def test_the_check_sees_what_it_forbids():
    """The scans above are not vacuous: each kind of upward reference is caught."""
    url_apps = _url_apps()
    assert (url_apps["pledges:branch"], url_apps["board:board"], url_apps["home"]) == (
        "pledges",
        "pledges",
        "oversight",
    )
    code = (
        'reverse("board:board"); send_task("pledges.tasks.x"); render(r, "pledges/board.html"); '
        'apps.get_model("pledges", "Pledge"); slots.fill("orgs.tree", "orgs:tree")'
    )
    found = [
        value
        for _line, func, value in _strings_in_calls(ast.parse(code))
        if _names_upper("orgs", func, value, url_apps)
    ]
    assert found == ["board:board", "pledges.tasks.x", "pledges/board.html", "pledges"]
    assert LAYERS == ["core", "orgs", "campaign", "pledges", "accounts", "reviews", "oversight"]
