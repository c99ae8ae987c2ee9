"""The layers beyond what import-linter sees (docs/ARCHITECTURE.md): a lower app's template never
names an upper app's URL, and a lower app's code never reaches an upper app by a string (a task
name, apps.get_model, a URL name). Both show a higher app's part only through a slot."""

import ast
import re
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["core", "orgs", "campaign", "pledges", "reviews", "oversight"]
URL_TAG = re.compile(r"""\{%\s*url\s+['"]([\w:]+)['"]""")


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
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    yield node.lineno, argument.value


def test_no_lower_app_reaches_an_upper_app_by_a_string():
    wrong = []
    for app in LAYERS:
        upper = re.compile(rf"^({'|'.join(_above(app)) or '$^'})[.:]")
        for path in sorted((ROOT / app).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for line, value in _strings_in_calls(tree):
                if upper.match(value):
                    wrong.append(f"{path.relative_to(ROOT)}:{line} {value!r}")
    assert not wrong, "a lower app must not name an upper app: " + "; ".join(wrong)


def test_the_check_sees_what_it_forbids():
    """The scans above are not vacuous: the project does name URLs and call with strings."""
    assert _url_apps()["pledges:branch"] == "pledges"
    assert _url_apps()["orgs:tree"] == "orgs"
    tree = ast.parse('slots.fill("orgs.tree", "pledges:tree_coverage")')
    assert [value for _line, value in _strings_in_calls(tree)] == [
        "orgs.tree",
        "pledges:tree_coverage",
    ]
