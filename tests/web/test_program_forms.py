"""Program application forms that know what the platform knows: the child chosen among the registered
children, the school or town among the round's published sub-quotas; the program's conditions and documents
stated before anyone starts; an application withdrawn (and made again) while the window is open."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from jifen.models import ProgramApplication, User
from jifen.points import family
from jifen.identity.national_id import check_digit

SCHOOLS = {"魏塘小学": 40, "西塘小学": 30}


def _child(county, person, name="小明", born=date(2020, 5, 1)):
    first17 = f"330421{born:%Y%m%d}123"
    with county("jiashan") as session:
        user = session.scalar(select(User).where(User.id == person.id))
        family.add(session, user, relation="child", real_name=name, id_number=first17 + check_digit(first17))
        session.commit()


def _options(page: str, name: str) -> list[str]:
    select_ = re.search(rf'<select id="{name}" name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select_, f"no choice for {name}"
    return [v for v in re.findall(r'<option value="([^"]*)"', select_.group(1)) if v]


def test_the_form_offers_the_registered_children_and_the_rounds_schools(client, login, county, applicant_with_points,
                                                                         open_round, on_day):
    on_day(date(2027, 3, 1))
    open_round("jiashan", "school_enrollment", quota=70, sub_quotas=SCHOOLS)
    person = applicant_with_points("jiashan")
    login(client, person)
    page = client.get("/jiashan/programs/school_enrollment?lang=en").get_data(as_text=True)
    assert _options(page, "school") == list(SCHOOLS)
    assert _options(page, "child_name") == [] and "data-needs-child" in page  # register the child first
    _child(county, person)
    page = client.get("/jiashan/programs/school_enrollment?lang=en").get_data(as_text=True)
    assert _options(page, "child_name") == ["小明"] and "data-needs-child" not in page
    bad = client.submit("/jiashan/programs/school_enrollment/apply", {"child_name": "小明", "school": "别的小学"},
                        form_page="/jiashan/programs/school_enrollment")
    assert bad.status_code == 400  # a school the round does not publish
    done = client.submit("/jiashan/programs/school_enrollment/apply", {"child_name": "小明", "school": "西塘小学"},
                         form_page="/jiashan/programs/school_enrollment")
    assert done.status_code == 302
    with county("jiashan") as session:
        assert session.scalars(select(ProgramApplication)).one().sub_quota == "西塘小学"


def test_the_program_page_states_its_conditions_and_documents_first(client):
    for lang, condition, document in (("zh_Hans_CN", "子女已在“家庭”页登记", "出生医学证明"),
                                      ("en", "Your child is registered on your Family page", "birth certificate")):
        page = client.get(f"/jiashan/programs/school_enrollment?lang={lang}").get_data(as_text=True)
        conditions = re.search(r"<ul data-conditions>(.*?)</ul>", page, re.S).group(1)
        documents = re.search(r"<ul data-documents>(.*?)</ul>", page, re.S).group(1)
        assert condition in conditions and document in documents
        assert page.index("data-before-you-start") < page.index("data-state=")  # before the form


def test_an_application_is_withdrawn_while_the_window_is_open_and_made_again(client, login, county,
                                                                               applicant_with_points, open_round, on_day):
    on_day(date(2027, 3, 1))
    open_round("jiashan", "hukou_transfer", quota=5)
    person = applicant_with_points("jiashan")
    login(client, person)
    program_url = "/jiashan/programs/hukou_transfer"
    assert client.submit(f"{program_url}/apply", {"town": "魏塘街道"}, form_page=program_url).status_code == 302
    with county("jiashan") as session:
        reference = session.scalars(select(ProgramApplication)).one().reference
    unconfirmed = client.submit(f"{program_url}/withdraw", {}, form_page=program_url)
    assert unconfirmed.status_code == 400 and "请勾选确认撤回申请" in unconfirmed.get_data(as_text=True)
    with county("jiashan") as session:
        assert session.scalars(select(ProgramApplication)).one().status == "applied"  # nothing changed
    assert client.submit(f"{program_url}/withdraw", {"confirm": "y"}, form_page=program_url).status_code == 302
    with county("jiashan") as session:
        assert session.scalars(select(ProgramApplication)).one().status == "withdrawn"
    page = client.get(program_url + "?lang=en").get_data(as_text=True)
    assert f'data-withdrawn="{reference}"' in page
    assert client.submit(f"{program_url}/apply", {"town": "魏塘街道"}, form_page=program_url).status_code == 302
    with county("jiashan") as session:
        again = session.scalars(select(ProgramApplication)).one()
        assert (again.status, again.reference) == ("applied", reference)  # the same number
    on_day(date(2027, 4, 15))  # the window has closed
    closed = client.submit(f"{program_url}/withdraw", {"confirm": "y"}, form_page=program_url)
    assert closed.status_code == 303
    with county("jiashan") as session:
        assert session.scalars(select(ProgramApplication)).one().status == "applied"
