"""Verification decisions (jifen.points.review.decide) made at the same moment, on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from jifen.county.context import current_county

from jifen.points import review
from jifen.points.applications import ApplicationError
from jifen.models import DeclaredItem, ItemReview
from tests.exchange.helpers import EDUCATION, submitted


def _decide_at_once(app, decisions):
    """Run ``decisions`` [(item id, decision, reason)] in threads released together; returns the outcomes."""
    from jifen.cli.binding import county as bind
    from jifen.db.session import get_session

    start = threading.Barrier(len(decisions))
    outcomes: list[str] = [""] * len(decisions)

    def worker(index, item_id, decision, reason):
        with app.app_context(), bind("jiashan"):
            session = get_session()
            item = session.scalar(select(DeclaredItem).where(DeclaredItem.id == item_id))
            hooks = current_county(session).hooks
            start.wait(timeout=30)
            try:
                review.decide(session, hooks, item, decision, reason, reviewer_actor=f"test:{index}")
                session.commit()
                outcomes[index] = "decided"
            except ApplicationError as exc:
                session.rollback()
                outcomes[index] = f"refused: {exc}"
            except Exception as exc:  # noqa: BLE001 - reported by the test
                session.rollback()
                outcomes[index] = f"{type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=worker, args=(i, *d)) for i, d in enumerate(decisions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.postgres_only
def test_one_item_decided_twice_at_once_is_decided_once(app, county, make_user):
    made = submitted(county, make_user, "jiashan", ("education", EDUCATION))
    item_id = made["items"][0]
    outcomes = _decide_at_once(app, [(item_id, "verified", None), (item_id, "rejected", "证书与学信网记录不符")])
    assert sorted(o.split(":")[0] for o in outcomes) == ["decided", "refused"], outcomes
    with county("jiashan") as session:
        assert session.scalar(select(func.count(ItemReview.id)).where(ItemReview.item_id == item_id)) == 1
