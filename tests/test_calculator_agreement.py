"""The public calculator and the confirmed points agree for the same verified inputs, and caps hold."""

import io
import random
import re
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from jifen.county.context import current_county

from jifen.points import applications

from jifen.points import evidence

from jifen.points import review
from jifen.models import ApplicantProfile, LedgerEntry, User
from jifen.points.rules import county_item_types, load_rules
from jifen.plugin import fields as item_forms
from jifen.web.calculator import SLOTS

pytestmark = pytest.mark.slow


def calculator_query(declared):
    params = {"go": "1"}
    slots: dict[str, int] = {}
    for item_type, data in declared:
        slot = slots.get(item_type.key, 0)
        slots[item_type.key] = slot + 1
        fields = item_forms.specs(item_type.input_schema())
        for name, value in item_forms.shown(data, fields).items():
            spec = next((f for f in fields if f.name == name.split(".")[0]), None)
            if spec is not None and spec.kind == "boolean":
                if value:
                    params[f"{item_type.key}-{slot}-{name}"] = "y"
            else:
                params[f"{item_type.key}-{slot}-{name}"] = str(value)
    return "?" + urlencode(params)


@pytest.mark.parametrize("slug", ["jiashan", "haining"])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**32), picks=st.lists(st.integers(min_value=0, max_value=99),
                                                                        min_size=1, max_size=6))
def test_calculator_and_confirmed_points_agree(client, county, make_user, slug, seed, picks):
    rng = random.Random(seed)
    person = make_user(slug)
    with county(slug) as session:
        types = [t for t in county_item_types(session).values() if t.sample is not None]
        chosen, used = [], {}
        for pick in picks:
            item_type = types[pick % len(types)]
            if used.get(item_type.key, 0) >= SLOTS[item_type.aggregate]:
                continue
            used[item_type.key] = used.get(item_type.key, 0) + 1
            chosen.append((item_type, item_type.input_schema().dump(item_type.input_schema().load(item_type.sample(rng)))))

        user = session.scalar(select(User).where(User.id == person.id))
        session.add(ApplicantProfile(user_id=user.id, has_residence_permit=True, works_in_county_since=date(2015, 1, 1)))
        hooks = current_county(session).hooks
        application = applications.application_of(session, user, create=True)
        items = []
        for item_type, data in chosen:
            item = applications.declare(session, application, item_type, data, actor="test")
            evidence.store(session, item, "e.pdf", io.BytesIO(b"%PDF-1.4 e"))
            items.append(item)
        applications.submit(session, hooks, application, user)
        for item in items:
            review.decide(session, hooks, item, "verified", None, reviewer_actor="test")
        session.commit()
        confirmed = application.total_points
        rules = load_rules(session)
        rows = session.scalars(select(LedgerEntry).where(LedgerEntry.application_id == application.id)).all()
        for key, item_settings in rules.items.items():
            cap = item_settings.get("cap")
            if cap is not None:
                assert sum((r.points for r in rows if r.item_type == key), Decimal(0)) <= cap

    page = client.get(f"/{slug}/calculator" + calculator_query(chosen)).get_data(as_text=True)
    estimate = Decimal(re.search(r'data-estimate="([^"]+)"', page).group(1))
    assert estimate == confirmed
