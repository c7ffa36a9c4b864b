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


# --------------------------------------------------------------------------- the queue, a page at a time


def test_queue_page_pages_sorts_and_scores_each_row_of_the_page_only(county, make_user, on_day, monkeypatch):
    from datetime import date

    from jifen.points import scoring

    on_day(date(2026, 9, 1))
    first = submitted(county, make_user, "jiashan", ("education", EDUCATION), name="陈新民")["items"][0]
    on_day(date(2026, 9, 2))
    second = submitted(county, make_user, "jiashan", ("education", {**EDUCATION, "level": "college"}),
                       name="王小红")["items"][0]
    on_day(date(2026, 9, 3))
    third = submitted(county, make_user, "jiashan", ("education", EDUCATION), name="李大勇")["items"][0]
    scored: list[int] = []
    real_score = scoring.score
    monkeypatch.setattr(review, "score", lambda declared, *a: (scored.extend(d.id for d in declared), real_score(declared, *a))[1])
    with county("jiashan") as session:
        page = review.queue_page(session, "education", review.QueueFilters(sort="submitted", page=2), per_page=2)
        assert [row.item.id for row in page.rows] == [third] and (page.page, page.pages, page.total) == (2, 2, 3)
        assert scored == [third]  # only the rows of the page are scored
        assert page.rows[0].applicant_name == "李*勇" and page.rows[0].points == 80
        top = review.queue_page(session, ["education"], review.QueueFilters(sort="submitted"), per_page=2)
        assert [row.item.id for row in top.rows] == [first, second]
        assert [row.points for row in top.rows] == [80, 60]  # a bachelor's degree, a college diploma in Jiashan
        assert [row.submitted_on for row in top.rows] == [date(2026, 9, 1), date(2026, 9, 2)]
        assert review.queue_page(session, "health").rows == []
