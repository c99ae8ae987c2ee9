from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DATE_WIDGET

from .models import Campaign, Requirements, ReviewSchedule


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
        ]
        widgets = {"review_schedule": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.fields:
            self.fields[name].required = False

    def clean_review_schedule(self):
        return self.cleaned_data["review_schedule"] or ReviewSchedule.THRICE_YEARLY

    def clean(self):
        cleaned = super().clean()
        for name in ("satisfaction_threshold", "fulfilled_at", "mostly_at"):
            if cleaned.get(name) is None:
                cleaned[name] = Requirements._meta.get_field(name).default
        if cleaned["mostly_at"] > cleaned["fulfilled_at"]:
            self.add_error("mostly_at", _("“基本兑现”线不能高于“已兑现”线。"))
        return cleaned
