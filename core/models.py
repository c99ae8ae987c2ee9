from functools import cache

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _


class ChoiceLabels(models.Model):
    """A model whose get_FOO_display() looks its label up in a dict made once per field.

    Django's builds a dict of the field's choices at every call, hashing each lazily translated
    label, and hashing a lazy label translates it: on the tree page, 100 nodes with a kind and a
    sector cost 1,800 translations, a third of its render. Only the label shown is translated here.
    """

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        return force_str(_choice_labels(field).get(value, value), strings_only=True)


@cache
def _choice_labels(field) -> dict:
    """A field's {value: label}; choices are fixed in code, so one dict per field for good."""
    return dict(field.flatchoices)


class Operation(models.TextChoices):
    INSERT = "insert", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    # Not a change: someone was shown a personal field in full (core.audit.record_view).
    VIEW = "view", _("查看")


class AuditRecord(ChoiceLabels):
    """One change to one row of a tracked table, written by a trigger (core.audit), never by the
    application."""

    # The tracked model's label (orgs.member) and the changed row's id, not a foreign key: the
    # trail of a deleted row stays.
    model = models.CharField(_("数据类型"), max_length=100)
    row_id = models.BigIntegerField(_("记录编号"))
    parent_id = models.BigIntegerField(_("上级记录编号"), null=True, blank=True)
    operation = models.CharField(_("操作"), max_length=10, choices=Operation.choices)
    at = models.DateTimeField(_("时间"))
    # The user named by audited(), NULL for writes outside it. No database constraint and nothing
    # done on delete: the trail keeps the id of a deleted user and never blocks the deletion.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # The tracked fields after the change (before it, for a delete), and for an update also
    # before it: each update record says what it changed without its neighbours.
    snapshot = models.JSONField(_("快照"))
    before = models.JSONField(_("变更前"), null=True, blank=True)

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["model", "row_id"], name="audit_model_row"),
            models.Index(fields=["model", "parent_id"], name="audit_model_parent"),
        ]

    def __str__(self):
        return f"{self.model} {self.row_id} {self.get_operation_display()}"


class JobState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("未完成")


class Job(ChoiceLabels):
    """Work that runs in a Celery worker on a user's behalf: a large import now, exports and
    reports later. The page that started it follows its progress and shows its result or errors.

    `kind` names the work (orgs.import_members); `params` is what the task needs (ids, options);
    `file` an upload it reads. `progress` (0–100) is written by the worker outside any long
    transaction, so a page polling the job sees it move. `attempt` counts the runs: a task that is
    delivered twice (a worker died) runs again, and only the latest attempt may finish the job.
    """

    kind = models.CharField(_("类型"), max_length=50)
    title = models.CharField(_("名称"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.CASCADE,
        related_name="jobs",
    )
    # What the job works on, as the owner saw it (e.g. 某某区委): shown on the page.
    scope = models.CharField(_("范围"), max_length=200, blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    file = models.FileField(_("文件"), upload_to="jobs/%Y/%m/", blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    attempt = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="job_owner_created")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("core:job", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)


class Generation(models.Model):
    """One row (id 1) whose version is set to a new random number by every statement that writes
    to a table core.generations watches: what the web processes' copies are kept under."""

    version = models.BigIntegerField()

    class Meta:
        verbose_name = _("缓存代次")
        verbose_name_plural = verbose_name

    def __str__(self):
        return str(self.version)


class RollupStamp(models.Model):
    """How many writing statements each counter table (core.rollups) has seen, kept in shards:
    every statement that changes a counter table adds one to the shard of its database
    connection, in its own transaction. The sum of a table's shards grows with every committed
    change, like the sum of its rows' versions, but is read from a few rows instead of thousands
    (a dashboard's cache key), and concurrent writers on different connections do not wait for
    each other."""

    name = models.CharField(max_length=100)  # the counter table
    shard = models.PositiveSmallIntegerField()
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("汇总版本")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["name", "shard"], name="rollupstamp_one_per_shard")
        ]

    def __str__(self):
        return f"{self.name}/{self.shard}"


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", "XLSX"
    CSV = "csv", "CSV"
    PDF = "pdf", "PDF"


class ExportRecord(ChoiceLabels):
    """One export of a list (core.exports): who asked for what, with which filters, how many rows
    and when; the file, for an export made by a job, until it expires (EXPORT_KEEP_HOURS).
    `scope` is the path of the organisation whose rows it holds: whoever may see that
    organisation may download the file (the access is decided above, in oversight)."""

    kind = models.CharField(_("类型"), max_length=50)
    title = models.CharField(_("名称"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导出人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scope = models.CharField(_("范围"), max_length=255)
    params = models.JSONField(_("筛选条件"), default=dict, blank=True)
    format = models.CharField(_("格式"), max_length=4, choices=ExportFormat.choices)
    rows = models.PositiveIntegerField(_("行数"), null=True, blank=True)
    job = models.ForeignKey(
        Job, verbose_name=_("后台任务"), null=True, blank=True, on_delete=models.SET_NULL
    )
    file = models.FileField(_("文件"), upload_to="exports/%Y/%m/", blank=True)
    created_at = models.DateTimeField(_("导出时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("导出记录")
        verbose_name_plural = _("导出记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at"], name="export_created")]

    def __str__(self):
        return self.title
