"""Who downloaded the tender documents, and how many did: before the deadline the owner and its agency
only. The same differential matrix as for bids: every GET route, every principal, in three states — no
download (D0), A downloaded (D1), A and N downloaded (D2). Everyone else must get identical answers in all
three; a downloader must not see the other's download. The owner and the agency must see both (so the
matrix is shown able to fail)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from tests.api.confidentiality import world as w

MAY_SEE = {"owner", "agency"}


def _download(db: Database, world: w.World, who: str, document_id: int, clock: FrozenClock) -> None:
    from ggzy.documents import service as documents

    staff = world.bid_world.bidders[w.BIDDER_KEYS.index(who)]
    with db.transaction() as s:
        row = documents.record_download(s, actor=staff, document_id=document_id, ip="198.51.100.7", now=clock.now())
        assert row is not None


def test_before_the_deadline_only_owner_and_agency_learn_who_downloaded(
    client: TestClient, app: Any, clean_db: Database, clock: FrozenClock, make_user: Any
) -> None:
    from ggzy.documents.models import TenderDocument

    world = w.build(clean_db, clock, client, make_user)
    with clean_db.transaction() as s:
        # Not id 1: the matrix fills {document_id} with 1, and a bidder's GET of a real file records a download.
        doc = TenderDocument(
            id=4242, lot_id=world.lot_id, name="招标文件.pdf", ext="pdf", size=10, sha256="0" * 64, relpath="none.pdf",
            version=1, status="current", uploaded_at=clock.now(),
        )  # fmt: skip
        s.add(doc)
        s.flush()
        document_id = doc.id
    probes = {label: w.random_id() for label in ("bid_a", "bid_b", "up_a", "up_b")}
    d0 = w.snapshot(client, app, world, probes)
    _download(clean_db, world, "A", document_id, clock)
    d1 = w.snapshot(client, app, world, probes)
    _download(clean_db, world, "N", document_id, clock)
    d2 = w.snapshot(client, app, world, probes)

    leaks: list[str] = []
    for who in w.PRINCIPALS:
        if who in MAY_SEE:
            continue
        if who == "bidder_a":
            leaks += w.differences(d1, d2, who)
        elif who == "bidder_n":
            leaks += w.differences(d0, d1, who)
        else:
            leaks += w.differences(d0, d1, who) + w.differences(d1, d2, who)
    assert not leaks, f"{len(leaks)} answers reveal a download:\n" + "\n".join(leaks[:40])
    for who in MAY_SEE:
        r = client.get(f"/api/lots/{world.lot_id}/downloads", headers=world.headers[who])
        assert r.status_code == 200, r.text
        assert w.NAMES["A"] in r.text and w.NAMES["N"] in r.text and w.NAMES["B"] not in r.text
    # The refusal for a lot whose downloads are hidden is the one for a lot that does not exist.
    for who in set(w.PRINCIPALS) - MAY_SEE:
        real = client.get(f"/api/lots/{world.lot_id}/downloads", headers=world.headers[who])
        fake = client.get("/api/lots/987654/downloads", headers=world.headers[who])
        assert real.status_code == fake.status_code == 404, who
        assert real.text.replace(str(world.lot_id), "<lot>") == fake.text.replace("987654", "<lot>"), who
