from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DATE_WIDGET

from .models import (
    DEFAULT_LEAD_DAYS,
    Campaign,
    Phase,
    Requirements,
    ReviewSchedule,
    Work,
)


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "theme", "organization", "starts_on", "ends_on", "active"]
        widgets = {"starts_on": DATE_WIDGET, "ends_on": DATE_WIDGET}

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("结束日期不能早于开始日期。"))
        return cleaned


# 督查评促: the ranking's weights and the grade lines (oversight.ranking).
WEIGHT_FIELDS = (
    "weight_coverage",
    "weight_fulfilment",
    "weight_reviews",
    "weight_evaluations",
    "weight_satisfaction",
    "weight_rectification",
)
RANKING_FIELDS = (*WEIGHT_FIELDS, "first_grade_at", "third_grade_below")


class RequirementsForm(forms.ModelForm):
    """What the campaign asks of the organisations it covers, edited with the campaign; left out
    of a post, the defaults (three reviews a year, counted from the levels above only)."""

    class Meta:
        model = Requirements
        fields = [
            "review_schedule",
            "count_member_reviews",
            "count_office_reviews",
            "satisfaction_threshold",
            "fulfilled_at",
            "mostly_at",
            "lead_days",
            "escalate_after_days",
            "report_due_on",
            *RANKING_FIELDS,
        ]
        widgets = {"review_schedule": forms.RadioSelect, "report_due_on": DATE_WIDGET}

    # Typed as "7,1": a JSON list is no way to ask an office for a few numbers.
    lead_days = forms.CharField(
        label=Requirements._meta.get_field("lead_days").verbose_name,
        help_text=Requirements._meta.get_field("lead_days").help_text,
        required=False,
        max_length=40,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self.fields[name].required = False
        if not self.is_bound:
            days = self.instance.lead_days or DEFAULT_LEAD_DAYS
            self.initial["lead_days"] = ",".join(str(d) for d in days)

    def clean_lead_days(self):
        text = self.cleaned_data["lead_days"].replace("，", ",").replace("、", ",")
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if not all(part.isdigit() for part in parts):
            raise forms.ValidationError(_("请填写天数，用逗号分隔，如“7,1”。"))
        days = sorted({int(part) for part in parts}, reverse=True)
        if any(day < 1 or day > 60 for day in days) or len(days) > 5:
            raise forms.ValidationError(_("提前天数须在 1 到 60 天之间，最多 5 个。"))
        return days or list(DEFAULT_LEAD_DAYS)

    def clean_escalate_after_days(self):
        value = self.cleaned_data["escalate_after_days"]
        return (
            Requirements._meta.get_field("escalate_after_days").default if value is None else value
        )

    def clean_review_schedule(self):
        return self.cleaned_data["review_schedule"] or ReviewSchedule.THRICE_YEARLY

    def clean(self):
        cleaned = super().clean()
        for name in ("satisfaction_threshold", "fulfilled_at", "mostly_at", *RANKING_FIELDS):
            if cleaned.get(name) is None:
                cleaned[name] = Requirements._meta.get_field(name).default
        if cleaned["mostly_at"] > cleaned["fulfilled_at"]:
            self.add_error("mostly_at", _("“基本兑现”线不能高于“已兑现”线。"))
        if not any(cleaned[name] for name in WEIGHT_FIELDS):
            self.add_error("weight_coverage", _("排名的各项权重不能全部为 0。"))
        if cleaned["third_grade_below"] > cleaned["first_grade_at"]:
            self.add_error("third_grade_below", _("三类得分线不能高于一类得分线。"))
        return cleaned


class StandardPhasesForm(forms.Form):
    """On a new campaign: the four standard phases (seed 004) and the stages (seed 000) to lay
    over its dates, which the office adjusts afterwards."""

    phases = forms.BooleanField(
        label=_("按标准安排四个阶段（动员部署、调查研究、组织实施、总结验收）"),
        required=False,
        initial=True,
    )
    stages = forms.MultipleChoiceField(
        label=_("同时安排的工作环节"),
        choices=[
            (w.value, w.label)
            for w in (Work.PLEDGES, Work.REVIEWS, Work.EVALUATIONS, Work.EXEMPLARS)
        ],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=[Work.PLEDGES, Work.REVIEWS, Work.EVALUATIONS, Work.EXEMPLARS],
    )


class PhaseForm(forms.ModelForm):
    class Meta:
        model = Phase
        fields = ["name", "kind", "work", "starts_on", "ends_on"]
        widgets = {"starts_on": DATE_WIDGET, "ends_on": DATE_WIDGET}


PhaseFormSet = forms.modelformset_factory(
    Phase, form=PhaseForm, extra=1, can_delete=True, max_num=30, validate_max=True
)
