"""tk.item_counts: how many applicants of the bound county a score item type reaches (a plugin page's figures)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from jifen import toolkit as tk
from jifen.county.context import current_county
from jifen.models import ApplicantProfile, User
from jifen.points import applications, evidence
from jifen.points.rules import county_item_types

DEGREE = {"level": "bachelor", "institution": "嘉兴学院", "graduated_on": "2012-07-01"}  # 80 in Jiashan


def test_it_counts_confirmed_points_and_items_in_review_of_the_bound_county_only(
        county, applicant_with_points, make_user):
    graduates = [applicant_with_points("jiashan", {"education": DEGREE}),
                 applicant_with_points("jiashan", {"education": {**DEGREE, "level": "college"}})]
    applicant_with_points("haining", {"education": DEGREE})
    waiting = make_user("jiashan")
    with county("jiashan") as session:
        user = session.scalar(select(User).where(User.id == waiting.id))
        session.add(ApplicantProfile(user_id=user.id, has_residence_permit=True, works_in_county_since=date(2019, 1, 1)))
        application = applications.application_of(session, user, create=True)
        item = applications.declare(session, application, county_item_types(session)["education"], DEGREE, actor="test")
        evidence.store(session, item, "d.pdf", io.BytesIO(b"%PDF-1.4 test"))
        applications.submit(session, current_county(session).hooks, application, user)
        session.commit()
        counts = tk.item_counts("education")
    assert counts.earning == 2 and counts.in_review == 1
    assert counts.points == sum(g.total_points for g in graduates) > Decimal("80")  # education is all they declared
    with county("jiashan") as session:
        assert tk.item_counts("no_such_item") == tk.ItemCounts(earning=0, points=Decimal("0.00"), in_review=0)
    with county("haining") as session:
        assert tk.item_counts("education").earning == 1 and tk.item_counts("education").in_review == 0
