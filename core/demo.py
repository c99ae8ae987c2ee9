"""The demo orchestrator: each app builds its own demo data, lower apps first.

`python manage.py seed_demo` and the bench call `build(DemoContext(...))`. It imports
`<app>.demo` of every local app in INSTALLED_APPS order, which is the order of the layers (orgs,
then campaign, then pledges…), and calls its `build(ctx)`; `wipe()` calls their `wipe()` in the
reverse order, so rows that protect others (pledges protect members) go first. A builder reads
what the apps below it left on the context (the district's root, `shared["campaign"]`) and adds
its own; it is idempotent, so running the demo twice builds nothing new.
"""

import importlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction

from .models import AuditRecord


class DemoError(Exception):
    """The demo cannot be built on this database; the message says why, in Chinese."""


@dataclass
class DemoContext:
    seed: int = 0
    stdout: Any = None
    # A large synthetic district of `orgs` organisations and `members` members instead of the
    # demo district (benchmarks); None: the demo district.
    orgs: int | None = None
    members: int | None = None
    # Create (or reset) the demo logins and print them.
    users: bool = True
    # Filled in by the builders.
    root: Any = None
    created: bool = False
    organizations: int = 0
    member_count: int = 0
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)
    shared: dict[str, Any] = field(default_factory=dict)

    @property
    def large(self) -> bool:
        return self.orgs is not None

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)


def demo_modules() -> list:
    """The `demo` module of every local app that has one, in INSTALLED_APPS order."""
    base = Path(settings.BASE_DIR).resolve()
    modules = []
    for app in apps.get_app_configs():
        if app.name == __package__ or not Path(app.path).resolve().is_relative_to(base):
            continue
        if importlib.util.find_spec(f"{app.name}.demo") is not None:
            modules.append(importlib.import_module(f"{app.name}.demo"))
    return modules


@transaction.atomic
def build(ctx: DemoContext) -> DemoContext:
    for module in demo_modules():
        module.build(ctx)
    return ctx


@transaction.atomic
def wipe() -> None:
    """Deletes every app's demo-able rows (users are kept), and the whole audit trail: after a
    reset it would only tell of rows that are gone."""
    for module in reversed(demo_modules()):
        module.wipe()
    AuditRecord.objects.all().delete()
