from orgs import services
from orgs.models import RoleKind

from ..factories import UserFactory, make_pledge


def test_the_admin_lists_pledges_in_scope_read_only(district, campaign, client):
    user = UserFactory(username="east-admin")
    services.assign_role(user, district.east, RoleKind.ADMIN)
    client.force_login(user)
    mine = make_pledge(campaign, member=district.member_a, title="本街道的承诺")
    theirs = make_pledge(campaign, member=district.member_b, title="别处的承诺")
    body = client.get("/admin/pledges/pledge/").content.decode()
    assert "本街道的承诺" in body and "别处的承诺" not in body
    assert client.get(f"/admin/pledges/pledge/{theirs.pk}/change/").status_code == 404
    response = client.post(f"/admin/pledges/pledge/{mine.pk}/change/", {"title": "改掉"})
    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.title == "本街道的承诺"
