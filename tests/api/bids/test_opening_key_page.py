"""Center staff register a lot's opening key on its page (/lots/{id}/opening-key): the form is theirs alone,
bad values are refused with the code and nothing stored, and a registered key is shown to everyone."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ggzy.bids.models import LotOpeningKey
from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from tests.integration.bids.support import bid_world, key_ceremony
from tests.pages import csrf_token, log_in


def _keys(db: Database) -> int:
    with db.session(write=False) as s:
        return int(s.scalar(select(func.count()).select_from(LotOpeningKey)) or 0)


def test_center_registers_the_opening_key_on_the_page(
    client: TestClient, clean_db: Database, clock: FrozenClock, make_user: Any
) -> None:
    with clean_db.transaction() as s:
        world = bid_world(s, now=clock.now(), register=False)
    lot = world.tender.lot_id
    make_user("center_page", "center_staff")
    make_user("bidder_page", "bidder_staff", entity_id=world.tender.bidder_ids[0])
    url = f"/lots/{lot}/opening-key"
    # Nobody but center staff gets the form; without a key the page is a 404 for them.
    assert client.get(url).status_code == 404
    log_in(client, "bidder_page")
    page = client.get(url)
    assert page.status_code == 404 and "opening-key-form" not in page.text
    _, doc = key_ceremony()
    form = {**doc, "custodians": "\n".join(doc["custodians"]), "csrf_token": csrf_token(page.text)}  # type: ignore[arg-type]
    assert client.post(url, data=form, follow_redirects=False).status_code == 403
    assert _keys(clean_db) == 0

    log_in(client, "center_page")
    page = client.get(url)
    assert page.status_code == 200 and "opening-key-form" in page.text and "opening_key.js" in page.text
    token = csrf_token(page.text)
    bad = client.post(url, data={**form, "csrf_token": token, "public_key": "zz" * 32})
    assert bad.status_code == 422 and "OPENING_KEY_INVALID" in bad.text and "X25519" in bad.text
    few = client.post(url, data={**form, "csrf_token": token, "custodians": "交易中心"})
    assert few.status_code == 422 and "OPENING_KEY_CUSTODIANS_INVALID" in few.text
    not_int = client.post(url, data={**form, "csrf_token": token, "k": "二"})
    assert not_int.status_code == 422 and "OPENING_KEY_THRESHOLD_INVALID" in not_int.text
    assert _keys(clean_db) == 0
    assert client.post(url, data={**form, "csrf_token": "forged"}).status_code == 403

    made = client.post(url, data={**form, "csrf_token": token}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == url
    with clean_db.session(write=False) as s:
        row = s.scalars(select(LotOpeningKey)).one()
    assert row.public_key == doc["public_key"] and row.k == 2 and row.custodians == doc["custodians"]
    client.cookies.clear()
    public = client.get(url)
    assert public.status_code == 200 and row.key_id in public.text and "opening-key-form" not in public.text
