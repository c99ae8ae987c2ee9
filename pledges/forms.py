from django import forms
from django.conf import settings
from django.core import validators
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DATE_WIDGET, ModelIdsField

from .attachments import ACCEPT, size_label
from .models import CONTENT_MAX_LENGTH, FIVE_ITEMS, Pledge
from .workflow import BATCH_STEPS, REVIEW_SIGN_PUBLISH, REVIEW_SIGN_PUBLISH_LABEL, STEPS


class PledgeForm(forms.ModelForm):
    areas = forms.MultipleChoiceField(
        label=_("承诺方面"), required=False, widget=forms.CheckboxSelectMultiple
    )
    five_items = forms.MultipleChoiceField(
        label=_("“五个一”"),
        required=False,
        choices=FIVE_ITEMS,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Pledge
        fields = ["title", "content", "areas", "deadline", "five_items", "oral"]
        widgets = {
            "deadline": DATE_WIDGET,
            "content": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "title": _("一句话说清做什么，如“每月走访一户困难群众”。"),
            "content": _("不求多、讲究实、能做到：写明具体做法和标准。"),
        }

    def __init__(self, *args, areas, for_member: bool, allow_oral: bool, **kwargs):
        super().__init__(*args, **kwargs)
        current = list(self.instance.areas or []) if self.instance.pk else []
        self.fields["areas"].choices = [(a, a) for a in dict.fromkeys([*areas, *current])]
        if not for_member:
            del self.fields["five_items"]
        if not allow_oral:
            del self.fields["oral"]
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        limit_text(self)


TITLE_MAX_LENGTH = Pledge._meta.get_field("title").max_length


def limit_text(form) -> None:
    """承诺事项 and 承诺内容 held to their limits, with a live counter (static/js/pledge-text.js
    reads data-counter); the services check the same limits."""
    for name, limit in (("title", TITLE_MAX_LENGTH), ("content", CONTENT_MAX_LENGTH)):
        field = form.fields.get(name)
        if field is None:
            continue
        field.max_length = limit
        message = _("%(field)s不能超过 %(limit)s 个字（现有 %%(show_value)d 个字）。") % {
            "field": field.label,
            "limit": limit,
        }
        field.validators = [
            *(v for v in field.validators if not isinstance(v, validators.MaxLengthValidator)),
            validators.MaxLengthValidator(limit, message=message),
        ]
        field.widget.attrs.update({"maxlength": str(limit), "data-counter": str(limit)})


class CorrectionForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("更正原因"),
        max_length=200,
        help_text=_("更正将与承诺一起公开显示。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Pledge
        fields = ["title", "content", "deadline"]
        widgets = {"deadline": DATE_WIDGET, "content": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_text(self)


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("说明"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class SignForm(CommentForm):
    signed_by = forms.CharField(
        label=_("签约人"), max_length=100, help_text=_("如：支部书记王某、党员张某")
    )
    signed_on = forms.DateField(label=_("签约日期"), widget=DATE_WIDGET, initial=timezone.localdate)


class ProgressForm(forms.Form):
    happened_on = forms.DateField(
        label=_("日期"),
        widget=DATE_WIDGET,
        initial=timezone.localdate,
        error_messages={
            "required": _("请填写践诺日期。"),
            "invalid": _("践诺日期格式不对，请按“2026-05-01”的格式填写。"),
        },
    )
    text = forms.CharField(
        label=_("践诺情况"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("请填写践诺情况：做了什么、帮了谁、效果如何。"),
            "max_length": _("践诺情况最多 %(limit_value)d 字（现有 %(show_value)d 字），请精简。"),
        },
    )
    attachment = forms.FileField(
        label=_("附件（可选）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT, "class": "js-shrink-upload"}),
        error_messages={
            "invalid": _("附件没有传上来，请重新选择文件。"),
            "empty": _("附件是空文件，请重新选择文件。"),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The browser shrinks a larger photo to this size before sending it
        # (static/js/progress-upload.js); the server checks it again (attachments.check_attachment).
        limit = settings.PLEDGE_ATTACHMENT_MAX_BYTES
        field = self.fields["attachment"]
        field.widget.attrs["data-max-bytes"] = str(limit)
        field.help_text = _(
            "JPG、PNG 图片或 PDF，不超过 %(limit)s；较大的照片会在上传前自动缩小。"
        ) % {"limit": size_label(limit)}


class BatchForm(forms.Form):
    step = forms.ChoiceField(
        label=_("批量操作"),
        choices=[
            *((name, STEPS[name].label) for name in BATCH_STEPS),
            (REVIEW_SIGN_PUBLISH, REVIEW_SIGN_PUBLISH_LABEL),
        ],
    )
    pledges = ModelIdsField(queryset=Pledge.objects.none())
    signed_by = forms.CharField(label=_("签约人"), max_length=100, required=False)
    signed_on = forms.DateField(
        label=_("签约日期"), widget=DATE_WIDGET, required=False, initial=timezone.localdate
    )
    # Set by the page once the user has answered the question of a step that cannot be undone
    # (workflow.CONFIRMATIONS); without it the view asks on a page of its own.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, pledges, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pledges"].queryset = pledges
        self.fields["pledges"].error_messages["required"] = _("请先勾选要操作的承诺。")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("step") == "sign" and not cleaned.get("signed_by"):
            self.add_error("signed_by", _("批量签约时请填写签约人。"))
        return cleaned


class IssueLinksForm(forms.Form):
    """Members' draft links (pledges/links.py): the last day they open, and whether members who
    already hold a live link get a new one (their old one stops working)."""

    expires_on = forms.DateField(
        label=_("有效期至"),
        widget=DATE_WIDGET,
        error_messages={
            "required": _("请填写有效期至。"),
            "invalid": _("有效期至格式不对，请按“2026-05-01”的格式填写。"),
        },
    )
    reissue = forms.BooleanField(
        label=_("同时为已有有效链接的党员重新生成（旧链接作废）"), required=False
    )
