"""The forms of grades, stars and commendations (reviews/recognition.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DATE_WIDGET
from orgs.models import Grade

from .forms import TEXT_LIMIT
from .models import MAX_STARS, Commendation, CommendationKind


class GradeForm(forms.Form):
    grade = forms.ChoiceField(
        label=_("定级"),
        choices=Grade.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择定级。")},
    )
    reason = forms.CharField(
        label=_("理由"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("与建议定级不同时必填。"),
    )
    measures = forms.CharField(
        label=_("升级措施（三升级）"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("二类、三类组织的升级措施，登记为整改事项跟踪销号；三类必填。"),
    )
    deadline = forms.DateField(label=_("升级措施完成时限"), required=False, widget=DATE_WIDGET)


# A member's stars in the grid: "" (not rated this year) or 1–10.
STAR_CHOICES = [
    ("", _("不评")),
    *((str(n), _("%(n)s 星") % {"n": n}) for n in range(1, MAX_STARS + 1)),
]


class ReturnStarsForm(forms.Form):
    reason = forms.CharField(
        label=_("退回原因"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("退回时请写明原因。")},
    )


class CommendationForm(forms.ModelForm):
    class Meta:
        model = Commendation
        fields = ["kind", "title", "citation", "awarded_on"]
        widgets = {
            "citation": forms.Textarea(attrs={"rows": 5, "maxlength": TEXT_LIMIT}),
            "awarded_on": DATE_WIDGET,
        }
        error_messages = {
            "title": {"required": _("请填写标题，如“2026年度优秀共产党员”。")},
            "citation": {"required": _("请写明主要事迹。")},
            "awarded_on": {"required": _("请填写表彰日期。")},
        }

    def __init__(self, *args, subject_is_member: bool, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = (
            (CommendationKind.MEMBER, CommendationKind.WORKER, CommendationKind.CASE)
            if subject_is_member
            else (CommendationKind.ORGANIZATION, CommendationKind.CASE)
        )
        self.fields["kind"].choices = [
            (k, label) for k, label in CommendationKind.choices if k in allowed
        ]
