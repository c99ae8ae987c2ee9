"""Demo and benchmark data of the tree: a realistic district with demo logins, or a large
synthetic district (`build`, called by the orchestrator in core/demo.py, lower apps first).

Both builders lay the tree out in memory, compute treebeard's materialised paths themselves (the
i-th child of a node gets the step base36(i) padded to `steplen`) and insert everything with
`bulk_create` in one transaction: treebeard's `add_child` costs a few queries per node and its
`load_bulk` ~13 s for 5,000 nodes, while this loads 5,000 organisations and 100,000 members in a few
seconds. Everything is deterministic for a given seed, so two runs build the same district.
"""

import datetime
import random
from dataclasses import dataclass, field
from itertools import accumulate

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.demo import DemoContext, DemoError

from . import services
from .models import (
    Grade,
    Member,
    MemberCategory,
    Organization,
    OrgKind,
    Role,
    RoleKind,
    Sector,
    path_step,
)
from .rules import add_years

DEMO_ROOT_NAME = "某某区委"
LARGE_ROOT_NAME = "测试区委"
BATCH_SIZE = 2000

# Printed after seeding, so they are deliberately simple; never use them outside a demo.
DEMO_USERS = [
    # username, password, role kind, superuser and staff
    ("admin", "demo-admin-2026", RoleKind.ADMIN, True),
    ("office", "demo-office-2026", RoleKind.OFFICE, False),
    ("leader", "demo-leader-2026", RoleKind.LEADER, False),
    ("secretary", "demo-secretary-2026", RoleKind.SECRETARY, False),
    ("secretary2", "demo-secretary2-2026", RoleKind.SECRETARY, False),
]
# The demo users' 姓名 (User.first_name, core/people.py), shown instead of their logins.
DEMO_NAMES = {
    "admin": "周建国",
    "office": "李秀英",
    "leader": "王志强",
    "secretary": "陈红梅",
    "secretary2": "刘永福",
}


# --- Tree paths -----------------------------------------------------------------------------------


@dataclass
class OrgSpec:
    """An organisation to be inserted, with its children and the size of its own roster."""

    name: str
    kind: str
    sector: str = ""
    grade: str = ""
    members: int = 0
    category: str = ""  # the members' category when the sector alone does not say it
    children: list["OrgSpec"] = field(default_factory=list)

    def add(self, name: str, kind: str = OrgKind.BRANCH, sector: str = "", **fields) -> "OrgSpec":
        child = OrgSpec(name, kind, sector or self.sector, **fields)
        self.children.append(child)
        return child

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def _next_root_position() -> int:
    last = Organization.objects.filter(depth=1).order_by("-path").values_list("path", flat=True)
    last = last.first()
    return Organization._str2int(last) + 1 if last else 1


def insert_tree(root: OrgSpec) -> dict[int, Organization]:
    """Inserts the spec tree as a new root; returns the saved organisations keyed by id(spec)."""
    nodes: dict[int, Organization] = {}

    def place(spec: OrgSpec, path: str) -> None:
        nodes[id(spec)] = Organization(
            path=path,
            depth=len(path) // Organization.steplen,
            numchild=len(spec.children),
            name=spec.name,
            kind=spec.kind,
            sector=spec.sector,
            grade=spec.grade,
        )
        for position, child in enumerate(spec.children, start=1):
            place(child, path + path_step(position))

    place(root, path_step(_next_root_position()))
    Organization.objects.bulk_create(nodes.values(), batch_size=BATCH_SIZE)
    # Not every backend hands ids back from a bulk insert; one query over the new subtree does.
    root_path = nodes[id(root)].path
    ids = dict(Organization.objects.filter(path__startswith=root_path).values_list("path", "pk"))
    for org in nodes.values():
        org.pk = ids[org.path]
    return nodes


# --- People ---------------------------------------------------------------------------------------

# The commonest surnames, most frequent first; weights fall off with the rank.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程"
    "吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵"
    "万钱严赖覃洪武莫孔"
)
SURNAME_WEIGHTS = list(accumulate(1 / (rank + 4) for rank in range(len(SURNAMES))))
MALE_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林国建志文海永忠春成东晓峰光德庆振兴荣亮"
)
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲燕婷雪慧莉萍红琳颖洁梅兰英华倩佳欣丹蕾玉桂凤月晶璐"
DEACTIVATION_REASONS = ["组织关系转出", "去世", "组织关系转出", "出国定居", "停止党籍"]

# Members' categories by the sector of their branch, with weights.
CATEGORIES_BY_SECTOR = {
    Sector.GOVERNMENT: [(MemberCategory.GOVERNMENT, 1)],
    Sector.COMMUNITY: [(MemberCategory.COMMUNITY, 1)],
    # Villages fall under 社区党员 too: its pledge items (乡风文明, 社会稳定) are the rural ones.
    Sector.RURAL: [(MemberCategory.COMMUNITY, 1)],
    Sector.PUBLIC_INSTITUTION: [
        (MemberCategory.SERVICE, 6),
        (MemberCategory.MANAGEMENT, 3),
        (MemberCategory.OTHER, 1),
    ],
    Sector.STATE_ENTERPRISE: [(MemberCategory.ENTERPRISE, 1)],
    Sector.PRIVATE_ENTERPRISE: [(MemberCategory.ENTERPRISE, 1)],
    Sector.SOCIAL_ORGANIZATION: [(MemberCategory.OTHER, 1)],
    Sector.SCHOOL: [
        (MemberCategory.TEACHING, 6),
        (MemberCategory.MANAGEMENT, 2),
        (MemberCategory.SERVICE, 1),
        (MemberCategory.STUDENT, 1),
    ],
    Sector.RETIRED: [(MemberCategory.RETIRED, 1)],
}
# Birth years (inclusive) by category: the retired are older, students are young.
BIRTH_YEARS = {
    MemberCategory.RETIRED: (1940, 1962),
    MemberCategory.STUDENT: (1998, 2002),
    MemberCategory.COMMUNITY: (1940, 2002),
}
WORKING_BIRTH_YEARS = (1964, 2002)


class People:
    """Makes plausible members: names, dates, phones and categories, deterministic for a seed."""

    def __init__(self, rng: random.Random, today: datetime.date | None = None):
        self.rng = rng
        self.today = today or timezone.localdate()
        self._categories = {
            sector: ([c for c, _ in pairs], list(accumulate(w for _, w in pairs)))
            for sector, pairs in CATEGORIES_BY_SECTOR.items()
        }

    def name(self, gender: str) -> str:
        rng = self.rng
        surname = rng.choices(SURNAMES, cum_weights=SURNAME_WEIGHTS)[0]
        chars = MALE_CHARS if gender == "M" else FEMALE_CHARS
        given = rng.choice(chars) if rng.random() < 0.35 else rng.choice(chars) + rng.choice(chars)
        return surname + given

    def phone(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randrange(10**9):09d}"

    def category(self, sector: str) -> str:
        choices, cum_weights = self._categories.get(sector, ([MemberCategory.OTHER], [1]))
        return self.rng.choices(choices, cum_weights=cum_weights)[0]

    def dates(self, category: str) -> tuple[datetime.date, datetime.date]:
        """Birth and join dates: joined at 18 or later, never in the future."""
        rng = self.rng
        first, last = BIRTH_YEARS.get(category, WORKING_BIRTH_YEARS)
        start = datetime.date(first, 1, 1)
        birth = start + datetime.timedelta(
            rng.randrange((datetime.date(last, 12, 31) - start).days)
        )
        earliest = add_years(birth, 18)
        span = min((self.today - earliest).days, 30 * 365)
        # Most people join in their twenties: the minimum of two draws leans early.
        offset = min(rng.randint(0, span), rng.randint(0, span)) if span > 0 else 0
        return birth, earliest + datetime.timedelta(offset)

    def member(self, branch_id: int, sector: str, category: str = "") -> Member:
        rng = self.rng
        category = category or self.category(sector)
        gender = (
            "M" if rng.random() < (0.45 if category == MemberCategory.TEACHING else 0.62) else "F"
        )
        birth, joined = self.dates(category)
        member = Member(
            name=self.name(gender),
            gender=gender,
            birth_date=birth,
            join_date=joined,
            category=category,
            phone=self.phone(),
            branch_id=branch_id,
        )
        if rng.random() < 0.005:
            member.active = False
            days = (self.today - joined).days
            member.deactivated_on = joined + datetime.timedelta(rng.randint(days // 2, days))
            member.deactivation_reason = rng.choice(DEACTIVATION_REASONS)
        return member


def _random_grade(rng: random.Random) -> str:
    """Roughly how 三分类 turns out: most organisations 一类, few 三类, some not graded yet."""
    return rng.choices(["", Grade.FIRST, Grade.SECOND, Grade.THIRD], weights=[35, 38, 20, 7])[0]


def _insert_members(nodes, branches: list[tuple[OrgSpec, int]], people: People) -> int:
    """Inserts `count` members for each (branch spec, count); returns how many were inserted."""
    batch, total = [], 0
    for spec, count in branches:
        branch_id = nodes[id(spec)].pk
        for _n in range(count):
            batch.append(people.member(branch_id, spec.sector, spec.category))
        if len(batch) >= BATCH_SIZE:
            Member.objects.bulk_create(batch, batch_size=BATCH_SIZE)
            total += len(batch)
            batch = []
    Member.objects.bulk_create(batch, batch_size=BATCH_SIZE)
    return total + len(batch)


# --- The demo district ----------------------------------------------------------------------------

# Roster sizes by sector (inclusive ranges): villages are large, 两新 branches small.
ROSTER_SIZES = {
    Sector.RURAL: (25, 45),
    Sector.COMMUNITY: (20, 40),
    Sector.GOVERNMENT: (12, 30),
    Sector.PUBLIC_INSTITUTION: (15, 30),
    Sector.SCHOOL: (12, 30),
    Sector.STATE_ENTERPRISE: (12, 30),
    Sector.PRIVATE_ENTERPRISE: (6, 20),
    Sector.SOCIAL_ORGANIZATION: (5, 12),
    Sector.RETIRED: (20, 40),
}

C, WC, GB, B, G = (
    OrgKind.COMMITTEE,
    OrgKind.WORKING_COMMITTEE,
    OrgKind.GENERAL_BRANCH,
    OrgKind.BRANCH,
    OrgKind.GROUP,
)
S = Sector


def demo_tree() -> OrgSpec:
    """某某区委 with eight towns and streets and the district's own working committees."""
    root = OrgSpec(DEMO_ROOT_NAME, C, S.GOVERNMENT)

    east = root.add("东城街道党工委", WC, S.COMMUNITY)
    east.add("东城街道机关党支部", sector=S.GOVERNMENT)
    for name in ("幸福", "和平", "建设"):
        east.add(f"{name}社区党支部")
    bright = east.add("光明社区党总支", GB)
    bright.add("光明社区第一党支部")
    bright.add("光明社区第二党支部")
    east.add("东城街道离退休党支部", sector=S.RETIRED)

    west = root.add("西城街道党工委", WC, S.COMMUNITY)
    west.add("西城街道机关党支部", sector=S.GOVERNMENT)
    for name in ("胜利", "团结", "新华", "文化"):
        west.add(f"{name}社区党支部")
    west.add("西城商会党支部", sector=S.SOCIAL_ORGANIZATION)

    south = root.add("南湖街道党工委", WC, S.COMMUNITY)
    south.add("南湖街道机关党支部", sector=S.GOVERNMENT)
    for name in ("南湖", "湖滨", "春晖"):
        south.add(f"{name}社区党支部")
    south.add("南湖科技园联合党支部", sector=S.PRIVATE_ENTERPRISE)

    north = root.add("北关街道党工委", WC, S.COMMUNITY)
    north.add("北关街道机关党支部", sector=S.GOVERNMENT)
    north.add("北关社区党支部")
    north.add("火车站社区党支部")
    beiyuan = north.add("北苑社区党支部")
    for ordinal in ("第一", "第二", "第三"):
        beiyuan.add(f"{ordinal}党小组", G)
    north.add("北关街道非公企业联合党支部", sector=S.PRIVATE_ENTERPRISE)

    xishan = root.add("西山镇党委", C, S.RURAL)
    xishan.add("西山镇机关党支部", sector=S.GOVERNMENT)
    for name in ("红旗", "前进", "石门", "柳树", "王家庄"):
        xishan.add(f"{name}村党支部")
    xishan.add("西山镇中心小学党支部", sector=S.SCHOOL)
    xishan.add("西山镇离退休党支部", sector=S.RETIRED)

    qingshi = root.add("青石镇党委", C, S.RURAL)
    qingshi.add("青石镇机关党支部", sector=S.GOVERNMENT)
    for name in ("青石", "东岭", "下河", "马家沟"):
        qingshi.add(f"{name}村党支部")
    qingshi.add("青石镇卫生院党支部", sector=S.PUBLIC_INSTITUTION)
    qingshi.add("青石矿业有限公司党支部", sector=S.PRIVATE_ENTERPRISE)

    hekou = root.add("河口镇党委", C, S.RURAL)
    hekou.add("河口镇机关党支部", sector=S.GOVERNMENT)
    hekou.add("河口村党支部")
    shawan = hekou.add("沙湾村党总支", GB)
    for ordinal in ("第一", "第二", "第三"):
        shawan.add(f"沙湾村{ordinal}党支部")
    hekou.add("渡口村党支部")
    hekou.add("杨柳村党支部")

    taoyuan = root.add("桃源镇党委", C, S.RURAL)
    taoyuan.add("桃源镇机关党支部", sector=S.GOVERNMENT)
    for name in ("桃源", "李家坪", "杏花"):
        taoyuan.add(f"{name}村党支部")
    taoyuan.add("桃源镇农民专业合作社联合党支部", sector=S.SOCIAL_ORGANIZATION)

    organs = root.add("区直机关工委", WC, S.GOVERNMENT)
    for name in (
        "区委办公室",
        "区政府办公室",
        "区纪委监委机关",
        "区委组织部",
        "区财政局",
        "区发展和改革局",
        "区民政局",
        "区人力资源和社会保障局",
        "区住房和城乡建设局",
        "区卫生健康局",
    ):
        organs.add(f"{name}党支部")
    hospital = organs.add("区人民医院党总支", GB, S.PUBLIC_INSTITUTION)
    for name in ("内科", "外科", "行政后勤"):
        hospital.add(f"{name}党支部")
    veterans = organs.add("区老干部局离退休干部党总支", GB, S.RETIRED)
    for ordinal in ("第一", "第二", "第三"):
        veterans.add(f"离退休干部{ordinal}党支部")

    education = root.add("区教育工委", WC, S.SCHOOL)
    first = education.add("区第一中学党总支", GB)
    first.add("教工第一党支部")
    first.add("教工第二党支部")
    first.add("学生党支部", category=MemberCategory.STUDENT)
    education.add("区第二中学党支部")
    education.add("区实验小学党支部")
    vocational = education.add("区职业技术学校党总支", GB)
    vocational.add("教工党支部")
    vocational.add("学生党支部", category=MemberCategory.STUDENT)

    state = root.add("区国资委党委", C, S.STATE_ENTERPRISE)
    group = state.add("区城市建设投资集团党委", C)
    for name in ("集团机关", "工程管理", "物业公司"):
        group.add(f"{name}党支部")
    state.add("区水务有限公司党支部")
    bus = state.add("区公交公司党总支", GB)
    for name in ("第一车队", "第二车队", "机关"):
        bus.add(f"{name}党支部")

    liangxin = root.add("区两新组织党工委", WC, S.PRIVATE_ENTERPRISE)
    for name in ("宏达电子", "恒信物流", "金穗食品", "瑞丰建材"):
        liangxin.add(f"{name}有限公司党支部")
    liangxin.add("区律师行业党支部", sector=S.SOCIAL_ORGANIZATION)
    liangxin.add("区个体劳动者协会党支部", sector=S.SOCIAL_ORGANIZATION)
    liangxin.add("爱心志愿者协会党支部", sector=S.SOCIAL_ORGANIZATION)
    return root


def find_demo_root() -> Organization | None:
    return Organization.objects.filter(depth=1, name=DEMO_ROOT_NAME).first()


def _children(parent: Organization):
    return Organization.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)


def _child_named(parent: Organization, name: str) -> Organization:
    return _children(parent).get(name=name)


def build(ctx: DemoContext) -> None:
    """The demo district, or ctx.orgs organisations and ctx.members members of a large one, with
    the demo users on it when ctx.users."""
    if ctx.large:
        result = build_large_district(ctx.orgs, ctx.members, seed=ctx.seed, stdout=ctx.stdout)
        places = large_district_places
    else:
        result = build_demo_district(ctx.stdout, seed=ctx.seed)
        places = demo_places
    ctx.root, ctx.created = result["root"], result["created"]
    ctx.organizations, ctx.member_count = result["organizations"], result["members"]
    if ctx.users:
        try:
            ctx.logins = ensure_demo_users(places(ctx.root))
        except Organization.DoesNotExist:
            raise DemoError(
                _("“%(root)s”已被改动，找不到演示账号所在的组织；可用 --reset 清空后重建。")
                % {"root": ctx.root.name}
            ) from None


def wipe() -> None:
    """Deletes every role, member and organisation (what apps above protect goes first)."""
    Role.objects.all().delete()
    Member.objects.all().delete()
    Organization.objects.all().delete()


@transaction.atomic
def build_demo_district(stdout=None, seed: int = 0) -> dict:
    """Builds 某某区委 unless it exists.

    Returns {"root", "created", "organizations", "members"}; running it again creates nothing.
    """
    root = find_demo_root()
    created = root is None
    if created:
        rng = random.Random(seed)
        spec = demo_tree()
        for node in spec.walk():
            if node.kind == OrgKind.BRANCH:
                node.grade = _random_grade(rng)
        nodes = insert_tree(spec)
        rosters = [
            (node, rng.randint(*ROSTER_SIZES[node.sector]))
            for node in spec.walk()
            if node.kind == OrgKind.BRANCH
        ]
        _insert_members(nodes, rosters, People(rng))
        root = nodes[id(spec)]
        _say(stdout, f"已建立演示区“{root.name}”。")
    else:
        _say(stdout, f"演示区“{root.name}”已存在，不再重复建立。")
    return {"root": root, "created": created, **_subtree_counts(root)}


def demo_places(root: Organization) -> list[Organization]:
    """Where the demo users sit, one per DEMO_USERS entry; DoesNotExist when the district was
    changed by hand."""
    east = _child_named(root, "东城街道党工委")
    west = _child_named(root, "西山镇党委")
    return [
        root,
        root,
        east,
        _child_named(east, "幸福社区党支部"),
        _child_named(west, "红旗村党支部"),
    ]


def ensure_demo_users(places: list[Organization]) -> list[tuple[str, str, str, str]]:
    """Creates or resets the demo users, one per DEMO_USERS entry on the matching organisation.

    Returns (username, password, role label, organisation name) for printing.
    """
    User = get_user_model()
    logins = []
    for (username, password, kind, superuser), org in zip(DEMO_USERS, places, strict=True):
        user, _ = User.objects.get_or_create(username=username)
        user.is_superuser = user.is_staff = superuser
        user.is_active = True
        user.first_name = DEMO_NAMES[username]
        user.set_password(password)
        user.save()
        services.assign_role(user, org, kind)
        logins.append((username, password, RoleKind(kind).label, org.name))
    _unlock([username for username, *_ in DEMO_USERS])
    return logins


def _unlock(usernames: list[str]) -> None:
    """Clears django-axes lockouts so a demo login that was mistyped five times works again."""
    from axes.utils import reset

    for username in usernames:
        reset(username=username)


def _subtree_counts(root: Organization) -> dict:
    return {
        "organizations": Organization.objects.within(root).count(),
        "members": Member.objects.within(root).count(),
    }


def _say(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(message)


# --- The large synthetic district -----------------------------------------------------------------

PLACE_FIRST = "东西南北中新青白黄金龙凤安永兴和平长福宝"
PLACE_SECOND = "山河湖桥关城坪塘溪岭港湾林园庄川峰源泉台"
VILLAGE_FIRST = "王李张刘陈杨赵周马朱胡郭何高罗林梁宋唐许"
VILLAGE_SECOND = "家庄营屯寨坝沟湾岗店集铺堡洼坡岭桥圩埠垸"
DEPARTMENTS = [
    "财政局",
    "民政局",
    "司法局",
    "审计局",
    "统计局",
    "商务局",
    "文化和旅游局",
    "应急管理局",
    "市场监督管理局",
    "交通运输局",
    "农业农村局",
    "水利局",
    "自然资源局",
    "生态环境局",
    "税务局",
    "公安分局",
    "人民法院",
    "人民检察院",
    "档案馆",
    "信访局",
]
COMPANIES = ["宏达", "恒信", "金穗", "瑞丰", "华兴", "鑫源", "永泰", "中恒", "博远", "天成", "嘉禾"]
INDUSTRIES = ["电子", "物流", "食品", "建材", "机械", "纺织", "医药", "化工"]
SCHOOLS = ["第一中学", "第二中学", "第三中学", "实验小学", "中心小学", "职业技术学校", "幼儿园"]
ORDINALS = "一二三四五六七八九十"

# Each kind of town: its name suffix, kind, sector and the mix of sectors of its branches.
TOWN_KINDS = [
    ("镇党委", C, S.RURAL, [(S.RURAL, 8), (S.GOVERNMENT, 1), (S.SCHOOL, 1), (S.RETIRED, 1)]),
    (
        "街道党工委",
        WC,
        S.COMMUNITY,
        [
            (S.COMMUNITY, 7),
            (S.GOVERNMENT, 1),
            (S.PRIVATE_ENTERPRISE, 2),
            (S.SOCIAL_ORGANIZATION, 1),
        ],
    ),
]
# One in ten towns is a district body instead: its name, kind, sector and branch sectors.
DISTRICT_BODIES = [
    (
        "区直机关工委",
        WC,
        S.GOVERNMENT,
        [(S.GOVERNMENT, 6), (S.PUBLIC_INSTITUTION, 2), (S.RETIRED, 1)],
    ),
    ("区教育工委", WC, S.SCHOOL, [(S.SCHOOL, 1)]),
    ("区国资委党委", C, S.STATE_ENTERPRISE, [(S.STATE_ENTERPRISE, 1)]),
    (
        "区两新组织党工委",
        WC,
        S.PRIVATE_ENTERPRISE,
        [(S.PRIVATE_ENTERPRISE, 3), (S.SOCIAL_ORGANIZATION, 1)],
    ),
]


def _pair_name(i: int, first: str, second: str) -> str:
    """The i-th of len(first) * len(second) distinct two-character names, well mixed."""
    a, b = i % len(first), i // len(first)
    name = first[a] + second[(a + b) % len(second)]
    rounds = i // (len(first) * len(second))
    return name + (_ordinal(rounds + 1) if rounds else "")


def _ordinal(n: int) -> str:
    """第n in Chinese numerals, for n up to 99."""
    if n <= 10:
        return "第" + ORDINALS[n - 1]
    tens, units = divmod(n, 10)
    return (
        "第"
        + ("" if tens == 1 else ORDINALS[tens - 1])
        + "十"
        + (ORDINALS[units - 1] if units else "")
    )


class _Namer:
    """Branch names unique among the children of one parent."""

    def __init__(self):
        self.used: set[str] = set()
        self.counts: dict[str, int] = {}

    def unit(self, sector: str) -> str:
        """A unit name for a branch of the sector: 王家庄村, 北湖社区, 财政局, 宏达电子有限公司…"""
        n = self.counts[sector] = self.counts.get(sector, 0) + 1
        i = n - 1
        if sector == S.RURAL:
            return _pair_name(i, VILLAGE_FIRST, VILLAGE_SECOND) + "村"
        if sector == S.COMMUNITY:
            return _pair_name(i, PLACE_FIRST, PLACE_SECOND) + "社区"
        if sector == S.GOVERNMENT:
            return "机关" if i == 0 else DEPARTMENTS[(i - 1) % len(DEPARTMENTS)]
        if sector == S.PUBLIC_INSTITUTION:
            return ["人民医院", "疾控中心", "妇幼保健院", "广播电视台", "图书馆"][i % 5]
        if sector == S.SCHOOL:
            return SCHOOLS[i % len(SCHOOLS)]
        if sector == S.RETIRED:
            return "离退休"
        if sector == S.SOCIAL_ORGANIZATION:
            return ["商会", "律师协会", "个体劳动者协会", "志愿者协会", "物业协会"][i % 5]
        company = COMPANIES[i % len(COMPANIES)]
        return company + INDUSTRIES[(i // len(COMPANIES) + i) % len(INDUSTRIES)] + "有限公司"

    def unique(self, stem: str, suffix: str) -> str:
        name, n = stem + suffix, 1
        while name in self.used:
            n += 1
            name = f"{stem}{_ordinal(n)}{suffix}"
        self.used.add(name)
        return name


def large_tree(orgs: int, rng: random.Random) -> tuple[OrgSpec, list[OrgSpec]]:
    """A district of exactly `orgs` organisations: root → ~orgs/50 towns → branches.

    Returns the root and the branches that hold members.
    """
    if orgs < 3:
        raise ValueError("a district has at least a root, a town and a branch")
    root = OrgSpec(LARGE_ROOT_NAME, C, S.GOVERNMENT)
    remaining = orgs - 1
    # About fifty organisations a town, and at least one branch in each.
    towns = max(1, min(round(orgs / 50), remaining // 2))
    remaining -= towns
    branches: list[OrgSpec] = []
    for t in range(towns):
        budget = remaining // towns + (1 if t < remaining % towns else 0)
        if t % 10 == 9:
            name, kind, sector, mix = DISTRICT_BODIES[(t // 10) % len(DISTRICT_BODIES)]
            name = name if t // 10 < len(DISTRICT_BODIES) else _ordinal(t // 10) + name
        else:
            suffix, kind, sector, mix = TOWN_KINDS[t % 3 == 2]
            name = _pair_name(t, PLACE_FIRST, PLACE_SECOND) + suffix
        town = root.add(name, kind, sector)
        _fill_town(town, budget, mix, rng, branches)
    return root, branches


def _fill_town(town: OrgSpec, budget: int, mix, rng: random.Random, branches: list) -> None:
    sectors, cum_weights = [s for s, _ in mix], list(accumulate(w for _, w in mix))
    namer = _Namer()
    while budget > 0:
        sector = rng.choices(sectors, cum_weights=cum_weights)[0]
        unit = namer.unit(sector)
        roll = rng.random()
        if budget >= 4 and roll < 0.08:
            # A 党总支 over a few branches: big villages, schools, hospitals.
            below = min(rng.randint(2, 4), budget - 1)
            general = town.add(namer.unique(unit, "党总支"), GB, sector, grade=_random_grade(rng))
            for k in range(1, below + 1):
                branch = general.add(f"{unit}{_ordinal(k)}党支部", grade=_random_grade(rng))
                branches.append(branch)
            budget -= 1 + below
        else:
            branch = town.add(namer.unique(unit, "党支部"), B, sector, grade=_random_grade(rng))
            branches.append(branch)
            budget -= 1
            if budget >= 2 and roll > 0.97:
                for k in range(1, 3):
                    branch.add(f"{_ordinal(k)}党小组", G)
                budget -= 2


@transaction.atomic
def build_large_district(orgs: int, members: int, seed: int = 0, stdout=None) -> dict:
    """Builds 测试区委 with exactly `orgs` organisations (root included) and `members` members.

    Returns {"root", "created", "organizations", "members"}. When 测试区委 already exists nothing
    is built and the existing counts are returned.
    """
    root = Organization.objects.filter(depth=1, name=LARGE_ROOT_NAME).first()
    if root is not None:
        _say(stdout, f"“{root.name}”已存在，不再重复建立（--reset 可清空后重建）。")
        return {"root": root, "created": False, **_subtree_counts(root)}
    rng = random.Random(seed)
    spec, branches = large_tree(orgs, rng)
    nodes = insert_tree(spec)
    _say(stdout, f"已建立 {len(nodes)} 个党组织，正在生成 {members} 名党员…")
    if members and not branches:
        raise ValueError("a district of one organisation has no branch to hold members")
    # Uneven rosters, as in life: each branch draws members with its own weight.
    weights = list(accumulate(rng.uniform(0.3, 1.7) for _ in branches))
    picks = rng.choices(range(len(branches)), cum_weights=weights, k=members)
    sizes = [0] * len(branches)
    for pick in picks:
        sizes[pick] += 1
    _insert_members(nodes, list(zip(branches, sizes, strict=True)), People(rng))
    root = nodes[id(spec)]
    return {"root": root, "created": True, **_subtree_counts(root)}


def large_district_places(root: Organization) -> list[Organization]:
    """Where the demo users sit in a large district: root, root, a street, two of its branches.

    The second secretary sits in another town, so the two secretaries never see each other.
    """
    towns = list(_children(root))
    street = next((t for t in towns if t.sector == S.COMMUNITY), towns[0])
    other = next(t for t in towns if t.pk != street.pk) if len(towns) > 1 else street

    def first_branch(town):
        branches = Organization.objects.within(town).filter(kind=OrgKind.BRANCH).order_by("path")
        return branches.filter(sector=town.sector).first() or branches.first()

    return [root, root, street, first_branch(street), first_branch(other)]
