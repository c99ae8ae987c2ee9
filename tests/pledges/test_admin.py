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


def test_a_pledges_state_moves_only_through_the_workflow(district, campaign, client):
    # Not even a superuser changes or deletes a pledge in the admin: its steps keep the history.
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    pledge = make_pledge(campaign, member=district.member_a, state="draft")
    url = f"/admin/pledges/pledge/{pledge.pk}/change/"
    assert 'name="state"' not in client.get(url).content.decode()
    assert client.post(url, {"state": "public", "title": pledge.title}).status_code == 403
    delete_url = f"/admin/pledges/pledge/{pledge.pk}/delete/"
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    pledge.refresh_from_db()
    assert pledge.state == "draft"
