import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import DATE_WIDGET

from . import rules
from .models import DatePrecision, Gender, Member, MemberCategory, Organization, partial_date_text


class OrganizationForm(forms.ModelForm):
    """An organisation's name and standing; with standing=False (a user on the organisation
    itself, access.can_change_standing) the standing is shown but cannot be changed."""

    class Meta:
        model = Organization
        fields = ["name", "kind", "sector", "grade"]

    def __init__(self, *args, standing: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not standing:
            for name in ("kind", "sector", "grade"):
                # A disabled field keeps its stored value whatever the POST holds.
                self.fields[name].disabled = True
                self.fields[name].help_text = _("由上级组织更改。")


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = ["name", "gender", "birth_date", "join_date", "category", "phone"]
        widgets = {"birth_date": DATE_WIDGET, "join_date": DATE_WIDGET}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A roster may give only the year or month: the picker shows the period's first day,
        # which services.update_member keeps at its precision unless the date is changed.
        for name in ("birth_date", "join_date"):
            known = getattr(self.instance, f"{name}_precision", DatePrecision.DAY)
            if getattr(self.instance, name) and known != DatePrecision.DAY:
                text = partial_date_text(getattr(self.instance, name), known)
                self.fields[name].help_text = _(
                    "名册中只记到“%(date)s”，不改动时按“%(date)s”保存；改动后按所填日期保存。"
                ) % {"date": text}

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        return rules.clean_phone(phone) if phone else ""


class BranchChoiceField(forms.ModelChoiceField):
    """A branch picker whose labels carry the parent's name: many branches share a name."""

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset, **kwargs)
        paths = {}
        for path, name in queryset.model.objects.filter(
            path__in={org.path[: -org.steplen] for org in queryset}
        ).values_list("path", "name"):
            paths[path] = name
        self.parent_names = paths

    def label_from_instance(self, obj):
        parent = self.parent_names.get(obj.path[: -obj.steplen])
        return f"{parent} / {obj.name}" if parent else obj.name


class MoveMemberForm(forms.Form):
    branch = forms.ModelChoiceField(
        queryset=Organization.objects.none(), label=gettext_lazy("转入党组织")
    )

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"] = BranchChoiceField(
            queryset=branches, label=_("转入党组织"), empty_label=_("请选择党支部")
        )


class DeactivateMemberForm(forms.Form):
    on = forms.DateField(
        label=gettext_lazy("减少日期"),
        widget=DATE_WIDGET,
        initial=timezone.localdate,
    )
    reason = forms.CharField(
        label=gettext_lazy("减少原因"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("如：组织关系转出、去世、出党等"),
    )

    def clean_on(self):
        on = self.cleaned_data["on"]
        if on > timezone.localdate():
            raise forms.ValidationError(_("减少日期不能晚于今天。"))
        return on


ACTIVE_CHOICES = [
    ("1", gettext_lazy("在册")),
    ("0", gettext_lazy("已减少")),
    ("all", gettext_lazy("全部")),
]


class MemberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=gettext_lazy("搜索"))
    category = django_filters.ChoiceFilter(
        choices=MemberCategory.choices,
        label=gettext_lazy("岗位类别"),
        empty_label=gettext_lazy("全部类别"),
    )
    gender = django_filters.ChoiceFilter(
        choices=Gender.choices, label=gettext_lazy("性别"), empty_label=gettext_lazy("性别")
    )
    status = django_filters.ChoiceFilter(
        choices=ACTIVE_CHOICES, method="filter_status", label=gettext_lazy("状态"), empty_label=None
    )

    class Meta:
        model = Member
        fields = ["q", "category", "gender", "status"]

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("status", "1")
        super().__init__(data, *args, **kwargs)
        for name in ("category", "gender", "status"):
            self.form.fields[name].widget.attrs["class"] = "form-select"

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__contains=value) | Q(phone__contains=value) | Q(branch__name__contains=value)
        )

    def filter_status(self, queryset, name, value):
        if value == "all":
            return queryset
        return queryset.filter(active=value != "0")


class OrgSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("组织名称"), required=False, max_length=50)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("文件"),
        help_text=gettext_lazy("支持 .xlsx 和 .csv 格式"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class MemberImportForm(ImportForm):
    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_branch"] = BranchChoiceField(
            queryset=branches,
            required=False,
            label=_("默认党支部"),
            empty_label=_("（按文件中的“所在党支部”列）"),
            help_text=_("文件中没有“所在党支部”列，或该列为空时，党员编入这个支部。"),
        )


class MoveOrganizationForm(forms.Form):
    def __init__(self, *args, parents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"] = BranchChoiceField(
            queryset=parents, label=_("新的上级组织"), empty_label=_("请选择上级组织")
        )


class MergeForm(forms.Form):
    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"] = BranchChoiceField(
            queryset=targets,
            label=_("并入党组织"),
            empty_label=_("请选择党支部"),
            help_text=_(
                "本组织的在册党员连同他们的承诺和记录转入该组织，本组织随后撤销（记录保留）。"
            ),
        )


class TransferOutForm(forms.Form):
    to = forms.CharField(label=gettext_lazy("转往单位"), max_length=200)
    on = forms.DateField(
        label=gettext_lazy("转出日期"), widget=DATE_WIDGET, initial=timezone.localdate
    )
    reason = forms.CharField(
        label=gettext_lazy("说明"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("不填写时记为“组织关系转出”。"),
    )


class TransferInForm(MemberForm):
    origin = forms.CharField(label=gettext_lazy("转自单位"), max_length=200)
    on = forms.DateField(
        label=gettext_lazy("转入日期"), widget=DATE_WIDGET, initial=timezone.localdate
    )
