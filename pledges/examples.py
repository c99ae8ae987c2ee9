"""Example pledges, one per suggested area (models.suggested_areas): offered to pick on the grid
(pledges/views_bulk.py) as a starting point the secretary or member adapts. "不求多、讲究实、能做到"
(seed 003): each is concrete, measurable and has a rhythm. Data, not UI text: not translated."""

from dataclasses import dataclass

from .models import suggested_areas


@dataclass(frozen=True)
class Example:
    area: str
    title: str
    content: str

    @property
    def key(self) -> str:
        """How a form refers to it: its area, one example per area."""
        return self.area


EXAMPLES = {
    example.area: example
    for example in [
        Example(
            "优化环境",
            "帮助一家企业解决一个办事难题",
            "主动联系辖区一家企业，每季度上门了解一次困难，跟踪办结。",
        ),
        Example(
            "服务发展",
            "每季度为一个项目跑一次手续",
            "对接一个重点项目，每季度协调一次审批手续，做到事事有回音。",
        ),
        Example(
            "依法行政",
            "办理事项一次告知、限时办结",
            "本岗位办理的事项做到一次性告知所需材料，按时限办结，不推诿。",
        ),
        Example(
            "心系群众",
            "每月接待一次群众来访",
            "每月参加一次群众接待日，来访诉求登记在册，七日内答复。",
        ),
        Example(
            "和谐文明",
            "带头参加一次文明创建志愿服务",
            "每季度参加一次文明城市创建志愿服务，带动家人一起参加。",
        ),
        Example(
            "遵章守纪",
            "严守工作纪律，全年零违纪",
            "按时上下班，不迟到早退，全年不发生违反工作纪律的情况。",
        ),
        Example(
            "服务群众",
            "每月走访一户困难群众",
            "每月到结对的困难群众家中走访一次，帮助解决一件实际困难。",
        ),
        Example(
            "居容整洁",
            "包干一个楼道的环境卫生",
            "负责所住楼道的环境卫生，每周清理一次杂物，劝导乱堆乱放。",
        ),
        Example(
            "乡风文明",
            "带头移风易俗，红白事从简",
            "家中红白事从简办理，并劝导两户以上邻居不大操大办。",
        ),
        Example(
            "社会稳定",
            "每月排查一次邻里矛盾",
            "每月排查一次所住片区的邻里矛盾，发现问题及时报告、参与调解。",
        ),
        Example(
            "企业增效",
            "提出一条降本增效的合理化建议",
            "结合本岗位提出一条降本增效建议，推动落实并统计节约成效。",
        ),
        Example("爱岗敬业", "本岗位工作零差错", "熟练掌握本岗位操作规程，全年工作无差错、无投诉。"),
        Example(
            "关爱员工",
            "结对帮扶一名困难职工",
            "与一名困难职工结对，每季度谈心一次，帮助解决一件实际困难。",
        ),
        Example(
            "诚信守法", "带头诚信经营、守法办事", "严格执行财务和合同制度，全年不发生失信违法行为。"
        ),
        Example(
            "带头致富",
            "带动两户农户发展产业增收",
            "传授种养技术，帮助两户农户发展一项产业，年底户均增收。",
        ),
        Example(
            "优质服务",
            "服务对象满意率达到百分之百",
            "接待服务对象热情周到，做到首问负责，全年无有效投诉。",
        ),
        Example(
            "服务社会", "每季度参加一次公益活动", "每季度组织或参加一次公益服务活动，记录服务时长。"
        ),
        Example(
            "诚信自律",
            "带头遵守行业自律公约",
            "严格遵守本组织章程和行业自律公约，按时公开服务信息。",
        ),
        Example(
            "教书育人",
            "每学期结对帮扶两名学困生",
            "每学期与两名学习困难学生结对，每周辅导一次，期末有进步。",
        ),
        Example(
            "管理育人", "每月听取一次学生意见", "每月召开一次学生座谈会，收集的意见建议件件有回复。"
        ),
        Example(
            "服务育人", "为师生办实事不过夜", "师生反映的后勤问题当天受理，一般问题三日内解决。"
        ),
        Example(
            "勤学成才",
            "本学年无挂科，帮扶一名同学",
            "本学年所有课程合格，并与一名学习困难的同学结对互助。",
        ),
        Example(
            "发挥余热", "每月参加一次社区志愿服务", "发挥特长，每月参加一次社区宣讲或志愿服务活动。"
        ),
        Example(
            "关心下一代",
            "结对关爱一名留守儿童",
            "与一名留守儿童结对，每月看望一次，关心学习和生活。",
        ),
        Example(
            "邻里互助",
            "帮助一户高龄独居老人",
            "与一户高龄独居老人结对，每周问候一次，帮助代购代办。",
        ),
    ]
}


def examples_for(**owner) -> list[Example]:
    """The examples of the areas suggested for a member or organisation (suggested_areas)."""
    return [EXAMPLES[area] for area in suggested_areas(**owner) if area in EXAMPLES]
