"""core.models.ChoiceLabels: get_FOO_display() reads a dict made once per field, and gives what
Django's own gives, for every model of the project that has choices."""

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import translation

from core.models import ChoiceLabels
from orgs.models import Organization, OrgKind, Sector
from pledges.models import Pledge, PledgeState


def _project_models_with_choices():
    base = Path(settings.BASE_DIR).resolve()
    for model in apps.get_models():
        app_path = Path(apps.get_app_config(model._meta.app_label).path).resolve()
        ours = app_path.is_relative_to(base) and "site-packages" not in app_path.parts
        if ours and any(f.choices for f in model._meta.concrete_fields):
            yield model


def test_every_project_model_with_choices_uses_choice_labels():
    found = list(_project_models_with_choices())
    assert Organization in found and Pledge in found
    assert [m.__name__ for m in found if not issubclass(m, ChoiceLabels)] == []


@pytest.mark.parametrize("model", list(_project_models_with_choices()), ids=lambda m: m.__name__)
def test_labels_are_those_django_gives(model):
    for field in model._meta.concrete_fields:
        if not field.choices:
            continue
        for value, label in field.flatchoices:
            obj = model(**{field.attname: value})
            shown = getattr(obj, f"get_{field.name}_display")()
            # Django's own, for comparison (a dict of the choices made at the call).
            assert shown == models.Model._get_FIELD_display(obj, field) == str(label)


def test_a_value_outside_the_choices_shows_as_itself():
    assert Organization(kind="nonsense").get_kind_display() == "nonsense"
    assert Organization(sector="").get_sector_display() == ""


def test_the_label_follows_the_active_language():
    org = Organization(kind=OrgKind.BRANCH, sector=Sector.choices[0][0])
    with translation.override("zh-hans"):
        assert org.get_kind_display() == str(OrgKind.BRANCH.label)
    assert Pledge(state=PledgeState.DRAFT).get_state_display() == str(PledgeState.DRAFT.label)
