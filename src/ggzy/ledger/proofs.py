"""Proof answers for the API and pages, with the refusals a client can act on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ggzy.core.db import Database
from ggzy.core.errors import InvalidInput, NotFound
from ggzy.ledger import merkle, queries, service
from ggzy.ledger.schemas import ConsistencyProofOut, InclusionProofOut
from ggzy.ledger.signing import SigningKey, TreeHead


def current_tree_head(db: Database, *, key: SigningKey, now: datetime) -> TreeHead:
    """The latest signed head, signing a new one first if the log grew (its own short transaction)."""
    with db.session(write=False) as session:
        st = queries.state(session)
        last = queries.latest_tree_head(session)
        if last is not None and last.tree_size == st.size:
            return last
    with db.transaction() as session:
        return service.publish_tree_head(session, key=key, now=now)


def tree_head_or_404(session: Session, tree_size: int) -> TreeHead:
    head = queries.tree_head_at(session, tree_size)
    if head is None:
        raise NotFound(f"没有大小为 {tree_size} 的签名树头", code="LEDGER_TREE_HEAD_NOT_FOUND", field="tree_size")
    return head


def event_or_404(session: Session, index: int) -> dict[str, Any]:
    doc = queries.get_event(session, index)
    if doc is None:
        raise NotFound(f"账本中没有序号为 {index} 的事件", code="LEDGER_EVENT_NOT_FOUND", field="index")
    return doc


def inclusion(session: Session, *, index: int, tree_size: int) -> InclusionProofOut:
    head = tree_head_or_404(session, tree_size)
    if index >= tree_size:
        raise InvalidInput(
            f"序号 {index} 不在大小为 {tree_size} 的树中", code="LEDGER_INDEX_OUT_OF_RANGE", field="index"
        )
    source = queries.DbNodeSource(session)
    path = merkle.inclusion_proof(source, index, tree_size)
    leaf = source.perfect_subtree_hashes([(0, index)])[(0, index)]
    return InclusionProofOut(
        index=index,
        tree_size=tree_size,
        leaf_hash=leaf.hex(),
        root_hash=head.root_hash.hex(),
        audit_path=[h.hex() for h in path],
    )


def consistency(session: Session, *, first: int, second: int) -> ConsistencyProofOut:
    if first > second:
        raise InvalidInput("first 不能大于 second", code="LEDGER_BAD_RANGE", field="first")
    old = tree_head_or_404(session, first)
    new = tree_head_or_404(session, second)
    proof = merkle.consistency_proof(queries.DbNodeSource(session), first, second)
    return ConsistencyProofOut(
        first=first,
        second=second,
        first_root=old.root_hash.hex(),
        second_root=new.root_hash.hex(),
        proof=[h.hex() for h in proof],
    )
