"""Demo tender documents: each published demo lot gets a small generated PDF (issued with its notice)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.core.settings import Settings
from ggzy.documents.models import TenderDocument
from ggzy.documents.storage import DocumentStorage
from ggzy.ledger import service as ledger
from ggzy.projects.demo import DEMO_PROJECT_NAMES
from ggzy.projects.models import Lot, Project


def _pdf(title: str) -> bytes:
    # A minimal one-page PDF; the title goes in as ASCII-escaped text (viewers show the structure only).
    text = title.encode("unicode_escape").decode("ascii").replace("(", "[").replace(")", "]")
    return (
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>endobj\n"
        f"4 0 obj<</Length {len(text) + 30}>>stream\nBT /F1 12 Tf 72 770 Td ({text}) Tj ET\nendstream endobj\n"
        "trailer<</Root 1 0 R>>\n%%EOF\n"
    ).encode("ascii")


def seed_documents(session: Session, *, now: datetime, settings: Settings) -> list[str]:
    """Idempotent: a lot that already has documents is left alone."""
    storage = DocumentStorage.under(settings.data_dir)
    lots = session.scalars(
        select(Lot)
        .join(Project)
        .where(Lot.stage == "published", Lot.bid_deadline > now, Project.name.in_(DEMO_PROJECT_NAMES))
    )
    made = 0
    for lot in lots:
        if session.scalar(select(TenderDocument.id).where(TenderDocument.lot_id == lot.id).limit(1)) is not None:
            continue
        data = _pdf(f"{lot.project.name} {lot.code} {lot.name} tender documents (demo)")
        sha = hashlib.sha256(data).hexdigest()
        relpath = f"lots/{lot.id}/{sha}.pdf"
        path = storage.resolve(relpath)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        doc = TenderDocument(
            lot_id=lot.id, name=f"{lot.name}招标文件.pdf", ext="pdf", size=len(data), sha256=sha, relpath=relpath,
            version=1, status="current", uploaded_at=now,
        )  # fmt: skip
        session.add(doc)
        session.flush()
        ledger.record(
            session,
            kind="lot.document_uploaded",
            actor="system",
            subject=f"lot:{lot.id}",
            data={"lot_id": lot.id, "document_id": doc.id, "name": doc.name, "sha256": sha, "size": len(data),
                  "version": 1, "replaces_id": None, "status": "current"},
            now=now,
        )  # fmt: skip
        made += 1
    return [f"演示招标文件：新增 {made} 份。"] if made else []
