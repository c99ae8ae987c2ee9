"""Forms of the pledges made in bulk: a grid row, the sheet import, the signed 承诺书's scan."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DATE_WIDGET
from orgs.forms import ImportForm

from .attachments import ACCEPT
from .examples import EXAMPLES, examples_for
from .forms import limit_text


class GridRowForm(forms.Form):
    """One member's row of the grid (prefixed by the member's id): a suggested pledge to pick, or
    承诺事项 and 承诺内容 typed (typed text wins over the pick), and a deadline. A row with neither
    pick nor text is left out."""

    pick = forms.ChoiceField(label=_("建议承诺"), required=False)
    title = forms.CharField(label=_("承诺事项"), required=False)
    content = forms.CharField(
        label=_("承诺内容"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    deadline = forms.DateField(
        label=_("完成时限"),
        required=False,
        widget=DATE_WIDGET,
        error_messages={"invalid": _("完成时限格式不对，请按“2026-06-30”的格式填写。")},
    )

    def __init__(self, *args, member, campaign, **kwargs):
        kwargs.setdefault("initial", {"deadline": campaign.ends_on})
        super().__init__(*args, prefix=f"m{member.pk}", **kwargs)
        self.member = member
        self.examples = examples_for(member=member)
        self.fields["pick"].choices = [("", _("（自拟）"))] + [
            (e.key, f"{e.area}：{e.title}") for e in self.examples
        ]
        limit_text(self)
        for name in ("title", "content"):
            self.fields[name].required = False
        for name, field in self.fields.items():
            css = (
                "form-select form-select-sm js-pick"
                if name == "pick"
                else "form-control form-control-sm"
            )
            field.widget.attrs["class"] = css
        self.empty = False

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:  # marked for the eye and for screen readers
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs["class"]:
                    attrs["class"] += " is-invalid"
                    attrs["aria-invalid"] = "true"

    def clean(self):
        data = super().clean()
        example = EXAMPLES.get(data.get("pick") or "")
        title, content = data.get("title", "").strip(), data.get("content", "").strip()
        if example is None and not title and not content and "title" not in self.errors:
            self.empty = "content" not in self.errors
            return data
        if example is not None:
            title, content = title or example.title, content or example.content
        if not title and "title" not in self.errors:
            self.add_error("title", _("请填写承诺事项，或选一项建议承诺。"))
        if not content and "content" not in self.errors:
            self.add_error("content", _("请填写承诺内容。"))
        if not data.get("deadline") and "deadline" not in self.errors:
            self.add_error("deadline", _("请填写完成时限。"))
        data["pledge"] = {
            "title": title,
            "content": content,
            "deadline": data.get("deadline"),
            "areas": [example.area] if example else [],
        }
        return data


class PledgeImportForm(ImportForm):
    pass


class LetterScanForm(forms.Form):
    attachment = forms.FileField(
        label=_("签字的承诺书扫描件"),
        help_text=_("拍照或扫描签字后的承诺书：JPG、PNG 图片或 PDF，不超过 5 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={"required": _("请选择签字的承诺书扫描件。")},
    )
