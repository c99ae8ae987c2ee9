from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from core import audit, generations
from core.models import ChoiceLabels
from core.people import display_name


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    WORKING_COMMITTEE = "working_committee", _("党工委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    GROUP = "group", _("党小组")


# Kinds whose names end with the kind itself, longest first so 党工委 wins over 党委.
KIND_SUFFIXES = [
    ("党工委", OrgKind.WORKING_COMMITTEE),
    ("党总支", OrgKind.GENERAL_BRANCH),
    ("党支部", OrgKind.BRANCH),
    ("党小组", OrgKind.GROUP),
    ("党委", OrgKind.COMMITTEE),
    ("区委", OrgKind.COMMITTEE),
    ("县委", OrgKind.COMMITTEE),
    ("市委", OrgKind.COMMITTEE),
    ("支部", OrgKind.BRANCH),
    ("总支", OrgKind.GENERAL_BRANCH),
]

# Organisations that may have members of their own (a 党员 belongs to a branch).
MEMBER_HOLDING_KINDS = (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.COMMITTEE)


def kind_from_name(name: str) -> str | None:
    """Guesses the kind from the name's ending (某某村党支部 → branch); None when it cannot tell."""
    for suffix, kind in KIND_SUFFIXES:
        if name.endswith(suffix):
            return kind
    return None


class Sector(models.TextChoices):
    RURAL = "rural", _("农村")
    COMMUNITY = "community", _("社区")
    GOVERNMENT = "government", _("机关")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位")
    STATE_ENTERPRISE = "state_enterprise", _("国有企业")
    PRIVATE_ENTERPRISE = "private_enterprise", _("非公有制企业")
    SOCIAL_ORGANIZATION = "social_organization", _("社会组织")
    SCHOOL = "school", _("学校")
    RETIRED = "retired", _("离退休")


class Grade(models.TextChoices):
    FIRST = "1", _("一类")
    SECOND = "2", _("二类")
    THIRD = "3", _("三类")


# The highest character of treebeard's path alphabet: no path step goes above it.
PATH_MAX_CHAR = "Z"
PATH_MAX_LENGTH = 255


def subtree_q(path: str, field: str = "path") -> Q:
    """Rows whose `field` lies in the subtree rooted at `path`.

    The prefix test alone is right everywhere, but SQLite cannot serve LIKE from an index; the range
    beside it (every descendant sorts between the path and the path padded with the highest
    character) lets both SQLite and PostgreSQL walk the path index instead of scanning.
    """
    upper = subtree_upper(path)
    return Q(**{f"{field}__startswith": path, f"{field}__gte": path, f"{field}__lte": upper})


def subtree_upper(path: str) -> str:
    """The highest path the subtree rooted at `path` may hold."""
    return path + PATH_MAX_CHAR * (PATH_MAX_LENGTH - len(path))


class OrganizationQuerySet(MP_NodeQuerySet):
    def within(self, org: "Organization") -> "OrganizationQuerySet":
        """The organisation and its whole subtree: one indexed prefix query on the path."""
        return self.filter(subtree_q(org.path))

    def active(self) -> "OrganizationQuerySet":
        return self.filter(active=True)


class OrganizationManager(MP_NodeManager.from_queryset(OrganizationQuerySet)):
    def get_queryset(self):
        # treebeard's manager builds its own queryset class; keep its ordering, add ours.
        return OrganizationQuerySet(self.model, using=self._db).order_by("path")


class Organization(ChoiceLabels, MP_Node):
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=OrgKind.choices)
    sector = models.CharField(_("领域"), max_length=30, choices=Sector.choices, blank=True)
    grade = models.CharField(_("分类定级"), max_length=1, choices=Grade.choices, blank=True)
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = OrganizationManager()

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["path"]
        indexes = [models.Index(fields=["depth", "path"], name="org_depth_path")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("orgs:detail", args=[self.pk])

    @property
    def holds_members(self) -> bool:
        return self.kind in MEMBER_HOLDING_KINDS

    def ancestor_paths(self) -> list[str]:
        """Paths of the ancestors, root first, computed from the path without a query."""
        step = self.steplen
        return [self.path[:i] for i in range(step, len(self.path), step)]

    def ancestors(self) -> list["Organization"]:
        def load():
            return list(
                Organization.objects.filter(path__in=self.ancestor_paths()).order_by("depth")
            )

        return generations.remembered("ancestors", self.path, load)

    def lineage(self) -> list["Organization"]:
        """The ancestors and the organisation itself, root first: a page's breadcrumb."""
        return [*self.ancestors(), self]


def path_step(position: int) -> str:
    """The path step of the position-th child (1-based), as treebeard writes it: 1 → "0001"."""
    alphabet, steplen = Organization.alphabet, Organization.steplen
    if position < 1:
        raise ValueError("positions start at 1")
    digits, rest = "", position
    while rest:
        rest, digit = divmod(rest, len(alphabet))
        digits = alphabet[digit] + digits
    if len(digits) > steplen:
        raise ValueError(f"a node cannot have {position} children with steplen {steplen}")
    return digits.rjust(steplen, alphabet[0])


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class MemberCategory(models.TextChoices):
    GOVERNMENT = "government", _("机关党员")
    COMMUNITY = "community", _("社区党员")
    ENTERPRISE = "enterprise", _("企业党员")
    TEACHING = "teaching", _("教学科研")
    MANAGEMENT = "management", _("管理")
    SERVICE = "service", _("服务")
    STUDENT = "student", _("学生")
    RETIRED = "retired", _("离退休")
    OTHER = "other", _("其他")


class DatePrecision(models.TextChoices):
    """How much of a date a roster knew: many give only the year, or the year and month."""

    DAY = "day", _("年月日")
    MONTH = "month", _("年月")
    YEAR = "year", _("年")


def partial_date_text(day, precision: str) -> str:
    """A date as far as it is known: 1955-03-12, 1955年3月 or 1955年 (never an invented day)."""
    if day is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{day.year}年"
    if precision == DatePrecision.MONTH:
        return f"{day.year}年{day.month}月"
    return day.strftime("%Y-%m-%d")


def mask_id_number(number: str | None) -> str:
    """An ID number with only its last two characters shown. Its 7th to 14th are the birth date,
    which the same pages show, and the place (first six) is one of a few in a district: showing
    those, or the last four, would give the number whole; two leave about nine candidates."""
    if not number:
        return ""
    return "*" * (len(number) - 2) + number[-2:]


class MemberQuerySet(models.QuerySet):
    def within(self, org: Organization) -> "MemberQuerySet":
        """Members of the organisation and of every organisation below it."""
        return self.filter(subtree_q(org.path, "branch__path"))

    def active(self) -> "MemberQuerySet":
        return self.filter(active=True)


class Member(ChoiceLabels):
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    # A date known only to the month or year is stored as the first day of that period, with
    # its precision beside it; pages show it through birth_date_text and join_date_text.
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    birth_date_precision = models.CharField(
        _("出生日期精度"), max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    join_date = models.DateField(_("入党时间"), null=True, blank=True)
    join_date_precision = models.CharField(
        _("入党时间精度"), max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    category = models.CharField(
        _("岗位类别"), max_length=20, choices=MemberCategory.choices, default=MemberCategory.OTHER
    )
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    # 公民身份号码 (GB 11643), 18 characters with an upper-case X; NULL when unknown, so that the
    # uniqueness holds among the members who have one. Shown whole to admins only (access).
    id_number = models.CharField(_("公民身份号码"), max_length=18, null=True, blank=True)
    branch = models.ForeignKey(
        Organization,
        verbose_name=_("所在党组织"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    active = models.BooleanField(_("在册"), default=True)
    deactivated_on = models.DateField(_("减少日期"), null=True, blank=True)
    deactivation_reason = models.CharField(_("减少原因"), max_length=200, blank=True)
    # 组织关系转接: where a member transferred out of the district went (with the date and
    # reason above), and where and when one transferred in came from.
    transferred_to = models.CharField(_("转往单位"), max_length=200, blank=True)
    transferred_from = models.CharField(_("转自单位"), max_length=200, blank=True)
    transferred_in_on = models.DateField(_("转入日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["branch_id", "name", "id"]
        indexes = [
            models.Index(fields=["branch", "active"], name="member_branch_active"),
            models.Index(fields=["name"], name="member_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(active=True) | Q(deactivated_on__isnull=False),
                name="member_inactive_has_date",
            ),
            models.UniqueConstraint(
                fields=["id_number"],
                condition=Q(id_number__isnull=False),
                name="member_id_number_unique",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("orgs:member", args=[self.pk])

    @property
    def birth_date_text(self) -> str:
        return partial_date_text(self.birth_date, self.birth_date_precision)

    @property
    def join_date_text(self) -> str:
        return partial_date_text(self.join_date, self.join_date_precision)

    @property
    def masked_id_number(self) -> str:
        """The ID number as everyone but an admin sees it: 110105********1234."""
        return mask_id_number(self.id_number)


class RoleKind(models.TextChoices):
    SECRETARY = "secretary", _("书记/党务工作者")
    LEADER = "leader", _("上级领导")
    OFFICE = "office", _("活动办公室")
    ADMIN = "admin", _("管理员")


# Roles that may change organisations and members of their subtree; the others only read them.
MANAGING_ROLES = (RoleKind.SECRETARY, RoleKind.ADMIN)


class Role(ChoiceLabels):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="roles",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="roles"
    )
    kind = models.CharField(_("角色"), max_length=20, choices=RoleKind.choices)
    # The day the term began (a hand-over's date); when it ends the role is deleted and its term
    # kept as a RoleTerm, so Role holds exactly the roles in force.
    started_on = models.DateField(_("任职日期"), default=timezone.localdate)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "kind"], name="role_unique_per_user_org_kind"
            )
        ]

    def __str__(self):
        return f"{display_name(self.user)} · {self.organization} · {self.get_kind_display()}"


class RoleTerm(ChoiceLabels):
    """A role that has ended: who held what on which organisation, from when to when, and why it
    ended (a hand-over, a revocation). The organisation's page lists them as its history."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="role_terms"
    )
    kind = models.CharField(_("角色"), max_length=20, choices=RoleKind.choices)
    started_on = models.DateField(_("任职日期"))
    ended_on = models.DateField(_("离任日期"))
    reason = models.CharField(_("离任原因"), max_length=50, blank=True)
    successor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接任者"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("任职记录")
        verbose_name_plural = _("任职记录")
        ordering = ["-ended_on", "-id"]
        indexes = [models.Index(fields=["organization", "ended_on"], name="roleterm_org_ended")]

    def __str__(self):
        return f"{display_name(self.user)} · {self.organization} · {self.get_kind_display()}"


def roll_up(nodes, rows) -> dict[int, int]:
    """Sums (path, n) rows into every node whose subtree holds the path, keyed by node id.

    The brute-force way, kept as the reference the rollups (orgs/rollups.py) are tested against.
    """
    by_path = {node.path: node.pk for node in nodes}
    totals = dict.fromkeys(by_path.values(), 0)
    step = Organization.steplen
    for path, n in rows:
        for end in range(step, len(path) + 1, step):
            pk = by_path.get(path[:end])
            if pk is not None:
                totals[pk] += n
    return totals


def subtrees_q(paths, field: str = "path") -> Q:
    """Rows in the subtree of any of the paths (none: no rows)."""
    query = Q(pk__in=[])
    for path in paths:
        query |= subtree_q(path, field)
    return query


def within_roots(roots, field: str = "path") -> Q:
    """Rows in the subtree of any of the root organisations."""
    return subtrees_q([root.path for root in roots], field)


def counted_members(roots) -> MemberQuerySet:
    """The members every head count is taken over: the active ones in the subtrees of the roots.

    Counts group it by branch id, not path: that spares a join on the largest table.
    """
    branches = Organization.objects.filter(within_roots(roots)).values("pk")
    return Member.objects.active().filter(branch__in=branches).order_by()


def counted_subtree_members(nodes, roots) -> dict[int, int]:
    """Active members in the subtree of each node counted from the members themselves: the
    reference for orgs.rollups.subtree_member_counts. `roots` must hold every node."""
    paths = dict(Organization.objects.filter(within_roots(roots)).values_list("pk", "path"))
    rows = counted_members(roots).values_list("branch_id").annotate(n=Count("id"))
    return roll_up(nodes, [(paths[pk], n) for pk, n in rows if pk in paths])


class MemberTally(models.Model):
    """The active members of one organisation (not of its subtree), kept by the database
    triggers of orgs/rollups.py; `version` grows with every change to the organisation or to
    one of its members, so that pages can cache what they render from it."""

    organization = models.OneToOneField(
        Organization, primary_key=True, on_delete=models.CASCADE, related_name="tally"
    )
    members = models.IntegerField(default=0)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("党员数汇总")
        verbose_name_plural = _("党员数汇总")

    def __str__(self):
        return f"{self.organization_id}: {self.members}"


# The audit trail (core.audit): every change to these tables is kept, whoever makes it. The
# tree's counters (depth, numchild) follow from the paths; phone numbers keep their last digits.
audit.track(Organization, describe=("name",), exclude=("created_at", "depth", "numchild"))
audit.track(
    Member,
    describe=("name",),
    exclude=("created_at", "updated_at"),
    mask=("phone",),
    hide=("id_number",),
    parent="branch",
)
audit.track(Role, describe=("user", "kind"), exclude=("created_at",), parent="organization")
audit.track(RoleTerm, describe=("user", "kind"), parent="organization")
# Pages read an organisation, its ancestors and the user's roles from the web process's copies
# while neither table has changed (core.generations).
generations.watch(Organization._meta.db_table)
generations.watch(Role._meta.db_table)
