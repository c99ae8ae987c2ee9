import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.audit.trail import of, trail
from core.services import model_update, require
from orgs.models import Member


def test_require_refuses_with_403():
    require(True)
    with pytest.raises(PermissionDenied):
        require(False)


def test_model_update_saves_only_what_changed_and_names_the_author(district, alice):
    member = district.member_a
    before = Member.objects.get(pk=member.pk).updated_at

    changed = model_update(member, {"name": "张三", "phone": "13800000000"}, by=alice)

    assert changed == ["phone"]
    stored = Member.objects.get(pk=member.pk)
    assert stored.phone == "13800000000" and stored.updated_at > before
    assert trail(of(Member, member.pk))[0].actor == alice


def test_model_update_writes_nothing_when_nothing_changed(
    district, alice, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert model_update(district.member_a, {"name": "张三"}, by=alice) == []


def test_model_update_validates_the_whole_row_and_leaves_a_refused_object_as_stored(
    district, alice
):
    member = district.member_a
    with pytest.raises(ValidationError):
        model_update(member, {"category": "不存在的类别", "name": "新名字"}, by=alice)
    assert (member.category, member.name) == ("community", "张三")
    assert Member.objects.get(pk=member.pk).category == "community"
