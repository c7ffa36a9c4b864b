"""No public page shows a demo applicant's real name or ID number (the issue's scan over demo data)."""

from datetime import date

import pytest
from sqlalchemy import insert, select

from jifen import clock

from jifen.programs import rounds as programs

from jifen.programs import publication

from jifen.ranking import runs as ranking
from jifen.identity import protect
from jifen.models import ProgramApplication, RankingRun, User

pytestmark = pytest.mark.slow


def test_public_pages_show_no_real_name_or_id_number_of_the_demo_data(app, client, cli, county, monkeypatch):
    assert cli("demo", "accounts").exit_code == 0
    assert cli("demo-data", "--tenant", "jiashan", "--count", "60", "--seed", "3").exit_code == 0
    assert cli("points", "rescore", "--tenant", "jiashan").exit_code == 0
    monkeypatch.setattr(clock, "today", lambda: date(2027, 4, 6))
    with county("jiashan") as session:
        found = programs.create_round(session, programs.programs(session)["hukou_transfer"],
                                      {"name": "2027 第一批", "opens_on": "2027-03-01", "closes_on": "2027-03-31",
                                       "quota": 10}, actor="test")
        users = session.scalars(select(User).where(User.role == "applicant")).all()
        secrets_ = [(u.real_name, protect.decrypt(u.id_number_encrypted), u.mobile) for u in users]
        session.execute(insert(ProgramApplication), [
            {"tenant_id": found.tenant_id, "id": index + 1, "round_id": found.id, "user_id": u.id,
             "reference": f"JS-2027-{index + 1:06d}", "sub_quota": None, "fields": {"town": "魏塘街道"}}
            for index, u in enumerate(users)])
        programs.freeze_rules(session, found, actor="test")
        outcome = ranking.run(session, found, actor="test", seed=1)
        run = session.scalar(select(RankingRun).where(RankingRun.id == outcome.run_id))
        ranking.make_current(session, run, "test")
        publication.publish_provisional(session, found, programs.programs(session)["hukou_transfer"], actor="test")
        session.commit()
        round_id = found.id
    base = f"/jiashan/programs/hukou_transfer/rounds/{round_id}"
    pages = ["/", "/jiashan/", "/jiashan/calculator", "/jiashan/programs/hukou_transfer", base, base + "/list",
             base + "/list?after=50", base + "/list?number=JS-2027-000005"]
    bodies = [client.get(page).get_data(as_text=True) for page in pages]
    csv_response = client.get(base + "/list.csv")
    bodies.append(csv_response.get_data(as_text=True))
    csv_response.close()
    assert bodies[5].count("data-position=") == min(len(users), 50)
    for name, number, mobile in secrets_:
        for page, body in zip(pages + ["list.csv"], bodies):
            assert number not in body, f"ID number on {page}"
            assert mobile not in body, f"mobile on {page}"
            if len(name) >= 2:
                assert name not in body, f"name {name} on {page}"
