"""Who may read and change an entity's records: a matrix of callers × actions, nothing changed on refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ggzy.entities.models import Entity, User

NEW_USER = {"username": "newcomer", "display_name": "新同事", "password": "Newcomer-2026"}


@pytest.fixture
def callers(two_entities, make_user, login_token):  # type: ignore[no-untyped-def]
    make_user("center_x", "center_staff")
    make_user("admin_x", "platform_admin")
    make_user("bidder_a2", "bidder_staff", entity_id=two_entities["a"])
    return {
        "anonymous": {},
        "admin of A": two_entities["a_headers"],
        "non-admin user of A": login_token("bidder_a2"),
        "admin of B": two_entities["b_headers"],
        "center staff": login_token("center_x"),
        "platform admin": login_token("admin_x"),
    }


# caller → (private fields visible, PATCH status, list users status, add user status)
EXPECTED = {
    "anonymous": (False, 401, 401, 401),
    "admin of A": (True, 200, 200, 201),
    "non-admin user of A": (True, 403, 403, 403),
    "admin of B": (False, 403, 403, 403),
    "center staff": (True, 403, 403, 403),
    "platform admin": (True, 200, 200, 201),
}


@pytest.mark.parametrize("caller", list(EXPECTED))
def test_entity_access_matrix(caller: str, client, callers, two_entities, clean_db) -> None:  # type: ignore[no-untyped-def]
    headers = callers[caller]
    a = two_entities["a"]
    sees_private, patch_status, list_status, add_status = EXPECTED[caller]
    got = client.get(f"/api/entities/{a}", headers=headers).json()
    assert ("contact_phone" in got) is sees_private
    assert got["name"] == "甘肃测试建设有限公司"
    r = client.patch(f"/api/entities/{a}", json={"address": "被改动的地址"}, headers=headers)
    assert r.status_code == patch_status, r.text
    r = client.get(f"/api/entities/{a}/users", headers=headers)
    assert r.status_code == list_status
    if list_status == 200:
        assert {u["username"] for u in r.json()} >= {"alpha_admin", "bidder_a2"}
    else:
        assert "alpha_admin" not in r.text
    r = client.post(f"/api/entities/{a}/users", json={**NEW_USER, "username": f"new_{len(caller)}"}, headers=headers)
    assert r.status_code == add_status, r.text
    with clean_db.session(write=False) as s:
        address = s.scalars(select(Entity.address).where(Entity.id == a)).one()
        users = s.scalar(select(func.count()).select_from(User).where(User.entity_id == a))
    assert (address == "被改动的地址") is (patch_status == 200)
    assert users == (3 if add_status == 201 else 2)


def test_unknown_entity_is_404_with_shape(client, callers) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/entities/99999")
    assert r.status_code == 404 and r.json()["error"]["code"] == "ENTITY_NOT_FOUND"
    r = client.get("/api/entities/99999/users", headers=callers["platform admin"])
    assert r.status_code == 404


def test_role_grants_only_by_platform_admin(client, callers, two_entities, clean_db) -> None:  # type: ignore[no-untyped-def]
    with clean_db.session(write=False) as s:
        uid = s.scalars(select(User.id).where(User.username == "bidder_a2")).one()
    grant = {"role": "supervisor", "trade": "construction", "region_code": "6201"}
    r = client.post(f"/api/users/{uid}/roles", json=grant, headers=callers["admin of A"])
    assert r.status_code == 403
    r = client.post(f"/api/users/{uid}/roles", json={**grant, "region_code": "9999"}, headers=callers["platform admin"])
    assert r.status_code == 422 and r.json()["error"]["code"] == "REGION_UNKNOWN"
    r = client.post(
        f"/api/users/{uid}/roles", json={**grant, "trade": "spaceflight"}, headers=callers["platform admin"]
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "trade"
    r = client.post(f"/api/users/{uid}/roles", json=grant, headers=callers["platform admin"])
    assert r.status_code == 201
    gid = r.json()["id"]
    again = client.post(f"/api/users/{uid}/roles", json=grant, headers=callers["platform admin"])
    assert again.status_code == 409
    assert client.delete(f"/api/users/{uid}/roles/{gid}", headers=callers["platform admin"]).status_code == 204
    assert client.delete(f"/api/users/{uid}/roles/{gid}", headers=callers["platform admin"]).status_code == 404
