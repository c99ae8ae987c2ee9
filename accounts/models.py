"""People and their accounts: the phone a person signs in with, the one-time codes that open an
account or reset its password, and the provisioning batches that create accounts from a sheet.

A person is Django's User (姓名 in first_name, core.people) with a Profile for the mobile phone,
unique when present. Codes are stored only as their SHA-256 digest, like API tokens: a code has
enough randomness (accounts.codes) that a fast hash is safe, and provisioning thousands of
accounts does not pay the deliberately slow password hasher for each.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import audit
from core.models import ChoiceLabels
from core.people import display_name


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="profile",
    )
    # Eleven ASCII digits (accounts.rules.clean_mobile); NULL when unknown, so that the
    # uniqueness holds among the people who have one.
    phone = models.CharField(_("手机号码"), max_length=11, null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("人员信息")
        verbose_name_plural = _("人员信息")
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=Q(phone__isnull=False), name="profile_phone_unique"
            )
        ]

    def __str__(self):
        return display_name(self.user)


class Batch(models.Model):
    """One provisioning sheet as imported: the accounts it opened wait for their activation
    slips, which are made (with new codes) whenever the batch's slips are downloaded."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    title = models.CharField(_("文件"), max_length=200)
    created_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    accounts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("账号"), related_name="+", blank=True
    )
    # How many times slips were made: each time voids the codes of the time before.
    issued = models.PositiveIntegerField(_("生成次数"), default=0)
    issued_at = models.DateTimeField(_("最近生成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("开通批次")
        verbose_name_plural = _("开通批次")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class Purpose(models.TextChoices):
    ACTIVATE = "activate", _("激活码")
    RESET = "reset", _("重置码")


class AccessCodeQuerySet(models.QuerySet):
    def usable(self, now=None) -> "AccessCodeQuerySet":
        now = now or timezone.now()
        return self.filter(used_at__isnull=True, voided_at__isnull=True, expires_at__gt=now)


class AccessCode(ChoiceLabels):
    """A one-time code that lets its person choose a password: an activation code for a new
    account, a reset code from a manager. Only the digest is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="access_codes",
    )
    purpose = models.CharField(_("用途"), max_length=10, choices=Purpose.choices)
    digest = models.CharField(_("摘要"), max_length=64, unique=True)
    batch = models.ForeignKey(
        Batch,
        verbose_name=_("开通批次"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="codes",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("失效时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    objects = AccessCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("一次性码")
        verbose_name_plural = _("一次性码")
        indexes = [models.Index(fields=["user", "used_at"], name="accesscode_user_used")]

    def __str__(self):
        return f"{display_name(self.user)} · {self.get_purpose_display()}"


# The audit trail: who opened, renamed, deactivated or made staff an account (never its password
# hash, nor the sign-ins, which axes logs); a profile's phone keeps its last digits; a code's
# issue, use and voiding are recorded (who issued a reset for whom), never its digest.
audit.track(
    get_user_model(),
    describe=("username", "first_name"),
    exclude=("password", "last_login", "date_joined", "last_name"),
)
audit.track(Profile, describe=("user",), exclude=("created_at",), mask=("phone",))
audit.track(
    AccessCode,
    describe=("user", "purpose"),
    exclude=("digest", "created_at"),
    parent="user",
)
