from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import DATE_WIDGET
from orgs.models import RoleKind

from . import services
from .rules import clean_mobile


class LoginForm(AuthenticationForm):
    """Django's login, taking a mobile number too: the number is turned into its account's login
    name before anything else, so the lockout (django-axes) counts both names of one account on
    one counter. An unknown number stays as typed and fails like an unknown login name."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("登录名或手机号码")

    def clean(self):
        typed = self.cleaned_data.get("username")
        if typed:
            person = services.login_user(typed)
            if person is not None:
                self.cleaned_data["username"] = person.get_username()
        return super().clean()


class PhoneField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", gettext_lazy("手机号码"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return clean_mobile(value) if value else value


class GrantForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("角色"))
    phone = PhoneField(help_text=gettext_lazy("已有账号的人按手机号码找到；没有账号的将新建账号。"))
    name = forms.CharField(
        label=gettext_lazy("姓名"),
        max_length=50,
        required=False,
        help_text=gettext_lazy("新建账号时必填；已有账号时可不填，填写则须与账号姓名一致。"),
    )

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (k, RoleKind(k).label) for k in RoleKind.values if k in kinds
        ]


class HandOverForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("原任"))
    phone = PhoneField(label=gettext_lazy("接任者手机号码"))
    name = forms.CharField(
        label=gettext_lazy("接任者姓名"),
        max_length=50,
        required=False,
        help_text=gettext_lazy("接任者还没有账号时必填，将为其新建账号并给出激活码。"),
    )
    on = forms.DateField(label=gettext_lazy("换届日期"), widget=DATE_WIDGET)

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            (
                str(role.pk),
                f"{role.user.first_name or role.user.username} · {role.get_kind_display()}",
            )
            for role in roles
        ]
        self.fields["on"].initial = timezone.localdate()


class PersonForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    phone = PhoneField(required=False)
    email = forms.EmailField(label=gettext_lazy("电子邮箱"), required=False)


class RedeemForm(forms.Form):
    """First sign-in or a reset: the login (or mobile), the one-time code, the new password."""

    login = forms.CharField(label=gettext_lazy("登录名或手机号码"), max_length=150)
    code = forms.CharField(
        label=gettext_lazy("激活码或重置码"),
        max_length=30,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}
        ),
        help_text=gettext_lazy("12 位字母和数字，不区分大小写，短横线可不输入。"),
    )
    password1 = forms.CharField(
        label=gettext_lazy("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )
    password2 = forms.CharField(
        label=gettext_lazy("确认新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return cleaned


class PeopleFilter(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("姓名或手机号码"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"class": "form-control", "type": "search"}),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("角色"),
        required=False,
        choices=[("", gettext_lazy("全部角色")), *RoleKind.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    state = forms.ChoiceField(
        widget=forms.Select(attrs={"class": "form-select"}),
        label=gettext_lazy("状态"),
        required=False,
        choices=[
            ("", gettext_lazy("全部")),
            ("active", gettext_lazy("正常")),
            ("inactive", gettext_lazy("已停用")),
            ("never", gettext_lazy("从未登录")),
        ],
    )


class ProvisionForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("开通账号表"),
        help_text=gettext_lazy("Excel（.xlsx）或 CSV 文件：姓名、手机号码、所在党组织、角色四列。"),
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset by email, with the mail in Chinese. The same answer whether or not the
    address belongs to an account (Django's own behaviour); rate-limited by the view."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("电子邮箱")
