from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DATE_WIDGET
from orgs.models import OrgKind, Sector
from pledges.attachments import ACCEPT

from .models import (
    DEFAULT_ITEMS,
    EvaluationMethod,
    Fulfilment,
    LeaderReview,
    MemberGrade,
    ParticipantGroup,
    Questionnaire,
    Rating,
    Rectification,
    RectificationSource,
    RectificationState,
    Satisfaction,
    TallySource,
)
from .models import (
    ReviewForm as ReviewFormChoice,
)
from .selectors import BEHIND_SORTS, BehindFilter, RegisterFilter

TEXT_LIMIT = 2000


class PledgeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, pledge):
        return f"{pledge.owner_name}：{pledge.title}（{pledge.get_state_display()}）"


class LeaderReviewForm(forms.ModelForm):
    """The review form, made for a phone: the date, the form and the rating first, then the three
    texts, then the pledges it looked at (ticked from the target's pledges)."""

    pledges = PledgeChoiceField(
        label=_("点评的承诺"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("勾选本次点评重点看过的承诺（可不选）。"),
    )
    reason = forms.CharField(
        label=_("更正原因"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("点评填写已超过 7 天，修改将作为更正记录在点评下方。"),
    )

    class Meta:
        model = LeaderReview
        fields = [
            "held_on",
            "form",
            "rating",
            "achievements",
            "problems",
            "direction",
            "pledges",
        ]
        widgets = {
            "held_on": DATE_WIDGET,
            "form": forms.RadioSelect,
            "rating": forms.RadioSelect,
            "achievements": forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_LIMIT}),
            "problems": forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_LIMIT}),
            "direction": forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_LIMIT}),
        }
        help_texts = {
            "achievements": _("肯定成绩：做了哪些实事、兑现了哪些承诺。"),
            "problems": _("指出问题：可据此登记整改事项（挂号销号）。"),
            "direction": _("明确努力方向：下一步做什么。"),
        }
        error_messages = {
            "held_on": {"required": _("请填写点评日期。")},
            "form": {"required": _("请选择点评形式。")},
            "rating": {"required": _("请选择总体评价。")},
            "achievements": {"required": _("请写明主要成绩。")},
            "direction": {"required": _("请写明努力方向。")},
        }

    def __init__(self, *args, pledges, correcting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pledges"].queryset = pledges
        self.fields["form"].choices = ReviewFormChoice.choices
        self.fields["rating"].choices = Rating.choices
        if not self.instance.pk:
            self.fields["held_on"].initial = timezone.localdate
        if not correcting:
            del self.fields["reason"]


class RectificationForm(forms.ModelForm):
    class Meta:
        model = Rectification
        fields = ["problem", "source", "responsible_person", "measures", "deadline"]
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_LIMIT}),
            "measures": forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_LIMIT}),
            "deadline": DATE_WIDGET,
        }
        help_texts = {
            "responsible_person": _("责任组织中负责整改的人，如“支部书记王某”。"),
            "measures": _("可由责任组织在开始整改时补充。"),
        }
        error_messages = {
            "problem": {"required": _("请写明存在的问题。")},
            "responsible_person": {"required": _("请填写责任人。")},
            "deadline": {"required": _("请填写整改时限。")},
        }

    def __init__(self, *args, from_review: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if from_review:
            del self.fields["source"]
        else:
            # A review's and a suggestion's problems are registered from them, one click each.
            self.fields["source"].choices = [
                (value, label)
                for value, label in RectificationSource.choices
                if value
                not in (
                    RectificationSource.REVIEW,
                    RectificationSource.SUGGESTION,
                    RectificationSource.UPGRADE,
                )
            ]
            self.fields["source"].initial = RectificationSource.INSPECTION


class StartForm(forms.Form):
    measures = forms.CharField(
        label=_("整改措施"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReportForm(forms.Form):
    note = forms.CharField(
        label=_("整改情况"),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请写明整改情况：做了什么、结果如何。")},
    )
    evidence = forms.FileField(
        label=_("佐证材料（可选）"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
        help_text=_("JPG、PNG 图片或 PDF 文件。"),
    )


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SendBackForm(CommentForm):
    """Sending a report back, or reopening a closed problem: the reason, and a new deadline when
    the old one has passed."""

    deadline = forms.DateField(
        label=_("新的整改时限（可选）"),
        required=False,
        widget=DATE_WIDGET,
        error_messages={"invalid": _("日期格式不对，请按“2026-05-01”的格式填写。")},
    )


class VerdictForm(forms.Form):
    result = forms.ChoiceField(
        label=_("评价结果"),
        choices=Fulfilment.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择评价结果。"),
            "invalid_choice": _("请选择已兑现、基本兑现或未兑现。"),
        },
    )
    comment = forms.CharField(
        label=_("评价意见"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _choices(label, choices):
    return [("", label), *choices]


SELECT = forms.Select(attrs={"class": "form-select"})
TEXT = forms.TextInput(attrs={"class": "form-control", "placeholder": _("名称中的文字")})


class BehindFilterForm(forms.Form):
    by = forms.ChoiceField(
        label=_("应点评次数截至"),
        required=False,
        widget=SELECT,
        choices=[("", _("今天")), ("period", _("本期末"))],
    )
    sector = forms.ChoiceField(label=_("领域"), required=False, widget=SELECT)
    kind = forms.ChoiceField(label=_("类型"), required=False, widget=SELECT)
    q = forms.CharField(label=_("名称"), required=False, max_length=50, widget=TEXT)
    sort = forms.ChoiceField(
        label=_("排序"),
        required=False,
        widget=SELECT,
        choices=[
            ("path", _("按组织架构")),
            ("name", _("按名称")),
            ("held", _("按已点评次数")),
            ("sector", _("按领域")),
            ("kind", _("按类型")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = _choices(_("全部领域"), Sector.choices)
        self.fields["kind"].choices = _choices(
            _("全部类型"), [c for c in OrgKind.choices if c[0] != OrgKind.GROUP]
        )

    def wanted(self) -> BehindFilter:
        data = self.cleaned_data if self.is_valid() else {}
        sort = data.get("sort") or "path"
        return BehindFilter(
            sector=data.get("sector", ""),
            kind=data.get("kind", ""),
            search=(data.get("q") or "").strip(),
            sort=sort if sort in BEHIND_SORTS else "path",
        )


class RegisterFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=_choices(_("全部状态"), RectificationState.choices),
        widget=SELECT,
    )
    source = forms.ChoiceField(
        label=_("来源"),
        required=False,
        choices=_choices(_("全部来源"), RectificationSource.choices),
        widget=SELECT,
    )
    overdue = forms.BooleanField(
        label=_("只看逾期"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    q = forms.CharField(
        label=_("问题或组织"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def wanted(self) -> RegisterFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return RegisterFilter(
            state=data.get("state", ""),
            overdue=bool(data.get("overdue")),
            source=data.get("source", ""),
            search=(data.get("q") or "").strip(),
        )


# --- 群众评议 ------------------------------------------------------------------------------------


class RoundForm(forms.Form):
    title = forms.CharField(label=_("评议名称"), max_length=100)
    appraise_members = forms.BooleanField(
        label=_("同时开展党员民主评议"),
        required=False,
        help_text=_("评议表上同时请参评人员对本组织每名党员评议（优秀、合格、基本合格、不合格）。"),
    )
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE_WIDGET)
    ends_on = forms.DateField(label=_("结束日期"), widget=DATE_WIDGET)
    methods = forms.MultipleChoiceField(
        label=_("评议方式"),
        choices=EvaluationMethod.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    questionnaire = forms.ModelChoiceField(
        label=_("评议表模板"),
        queryset=Questionnaire.objects.none(),
        required=False,
        empty_label=_("默认评议表（服务群众、履行承诺、工作作风、廉洁自律、总体评价）"),
    )

    def __init__(self, *args, questionnaires, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questionnaire"].queryset = questionnaires


class MembersRoundForm(forms.Form):
    title = forms.CharField(label=_("评议名称"), max_length=100)
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE_WIDGET)
    ends_on = forms.DateField(label=_("结束日期"), widget=DATE_WIDGET)


class IssueForm(forms.Form):
    group = forms.ChoiceField(label=_("参评类别"), choices=ParticipantGroup.choices)
    count = forms.IntegerField(
        label=_("份数"),
        min_value=1,
        max_value=500,
        initial=20,
        error_messages={
            "min_value": _("至少 1 份。"),
            "max_value": _("每次最多 500 份。"),
            "required": _("请填写份数。"),
        },
    )


class WithdrawForm(forms.Form):
    group = forms.ChoiceField(label=_("作废哪类的未使用评议码"), choices=ParticipantGroup.choices)


class TallyForm(forms.Form):
    source = forms.ChoiceField(label=_("来源"), choices=TallySource.choices)
    group = forms.ChoiceField(label=_("参评类别"), choices=ParticipantGroup.choices)
    item = forms.ChoiceField(label=_("评议项目"))
    satisfied = forms.IntegerField(label=_("满意（份）"), min_value=0, max_value=100000, initial=0)
    basic = forms.IntegerField(label=_("基本满意（份）"), min_value=0, max_value=100000, initial=0)
    dissatisfied = forms.IntegerField(
        label=_("不满意（份）"), min_value=0, max_value=100000, initial=0
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(item, item) for item in items]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("评议码"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "form-control form-control-lg ballot-code",
                "placeholder": "XXXXX-XXXXX",
            }
        ),
        error_messages={"required": _("请输入评议单上的评议码。")},
    )


class BallotForm(CodeForm):
    """The 群众评议表 of a round: one choice per item (large touch targets), and a comment."""

    comment = forms.CharField(
        label=_("意见建议（可选）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )

    def __init__(self, *args, items, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget = forms.HiddenInput()
        self.items = list(items)
        self.members = list(members)
        for member in self.members:
            self.fields[f"member_{member.pk}"] = forms.ChoiceField(
                label=member.name,
                required=False,
                choices=[("", _("不了解，不评")), *MemberGrade.choices],
                widget=forms.Select(attrs={"class": "form-select"}),
            )
        for index, item in enumerate(self.items):
            self.fields[f"item_{index}"] = forms.ChoiceField(
                label=item,
                choices=Satisfaction.choices,
                widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                error_messages={"required": _("请评价“%(item)s”。") % {"item": item}},
            )
        self.order_fields([f"item_{i}" for i in range(len(self.items))] + ["comment", "code"])

    def choices(self) -> dict:
        return {item: self.cleaned_data[f"item_{i}"] for i, item in enumerate(self.items)}

    def ratings(self) -> dict:
        return {
            str(m.pk): self.cleaned_data[f"member_{m.pk}"]
            for m in self.members
            if self.cleaned_data.get(f"member_{m.pk}")
        }

    def member_fields(self):
        return [self[f"member_{m.pk}"] for m in self.members]

    def item_fields(self):
        return [self[f"item_{i}"] for i in range(len(self.items))]


class QuestionnaireForm(forms.Form):
    name = forms.CharField(label=_("模板名称"), max_length=100)
    organization = forms.ModelChoiceField(label=_("所属组织"), queryset=None)
    items = forms.CharField(
        label=_("评议项目"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "每行一项，每项按“满意、基本满意、不满意”评价。含“履行承诺”一项时，用于给本组织的承诺评诺（群众评）。"
        ),
        initial="\n".join(DEFAULT_ITEMS),
        error_messages={"required": _("请至少填写一个评议项目。")},
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class SuggestionForm(forms.Form):
    text = forms.CharField(
        label=_("您的意见建议"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("请写下您的意见建议。"),
            "max_length": _("意见建议最多 %(limit_value)d 字（现有 %(show_value)d 字）。"),
        },
    )
    pledge = forms.ModelChoiceField(
        label=_("关于哪项承诺（可选）"),
        queryset=None,
        required=False,
        empty_label=_("关于本组织"),
    )

    def __init__(self, *args, pledges, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pledge"].queryset = pledges
        self.fields["pledge"].label_from_instance = lambda p: f"{p.owner_name}：{p.title}"


class HandleForm(forms.Form):
    note = forms.CharField(
        label=_("处理情况"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请写明处理情况。")},
    )


class ToRectificationForm(forms.Form):
    responsible_person = forms.CharField(label=_("责任人"), max_length=50)
    deadline = forms.DateField(label=_("整改时限"), widget=DATE_WIDGET)
