"""An applicant's whole journey on a phone, as a migrant worker would go through it: register, fill in the
profile and the family, declare an item with its evidence, check the answers, submit and keep the reference
number, answer a supplement request, apply for a school place choosing the child and the school, find the
application on the published list by its number, object, and accept the offered place.

At 360x740 and 390x844, in Chinese and in English. Every page of it: nothing wider than the screen, no serious or
critical axe-core finding, and no internal 18-digit id in what the page shows. What the county's officials do in
between (review, ranking, publication, offers) is done through the core, as their own journeys test it.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from axe import axe_available, report, violations
from conftest import CHROMIUM_ARGS, unavailable
from jifen.county.context import current_county
from jifen.county.tenancy import require_tenant
from jifen.identity.national_id import check_digit
from jifen.models import DeclaredItem, Objection, ProgramApplication, ProgramRound, RankingRun, User
from jifen.points import review
from jifen.programs import offers, publication
from jifen.programs import rounds as programs
from jifen.ranking import runs as ranking
from test_official_journeys import one_page_pdf

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]

SCREENS = {"360x740": {"width": 360, "height": 740}, "390x844": {"width": 390, "height": 844}}
LANGUAGES = {"zh_Hans_CN": "zh-CN", "en": "en-US"}
INTERNAL_ID = re.compile(r"\b\d{15,}\b")
SCHOOLS = {"魏塘小学": 1, "西塘小学": 1}


def _id(first17: str) -> str:
    return first17 + check_digit(first17)


class Phone:
    """The applicant's phone: every page reached is checked where it stands."""

    def __init__(self, page, screen: str, language: str) -> None:
        self.page, self.screen, self.language = page, screen, language
        self.problems: list[str] = []
        self.seen: list[str] = []

    def check(self) -> None:
        url = self.page.url
        self.seen.append(url)
        lang = self.page.get_attribute("html", "lang") or ""
        if not lang.startswith("zh" if self.language.startswith("zh") else "en"):
            self.problems.append(f"{self.screen} {url}: a page in {lang!r}")
        found = violations(self.page)
        if found:
            self.problems.append(f"{self.screen} {url}:\n{report(found)}")
        if not self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
            self.problems.append(f"{self.screen} {url}: wider than the screen")
        shown = self.page.inner_text("body")
        if INTERNAL_ID.search(shown):
            self.problems.append(f"{self.screen} {url}: an internal id is shown: {INTERNAL_ID.search(shown).group(0)}")

    def go(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, f"{url}: {response.status if response else '-'}"
        self.check()

    def submit(self, button, expect_status: int | None = None) -> None:
        with self.page.expect_navigation():
            button.click()
        self.check()


@pytest.fixture(params=[(s, lang) for s in SCREENS for lang in LANGUAGES], ids=lambda p: f"{p[0]}-{p[1]}")
def phone(request, browser):
    screen, language = request.param
    context = browser.new_context(viewport=SCREENS[screen], device_scale_factor=2, is_mobile=True, has_touch=True,
                                  locale=LANGUAGES[language], extra_http_headers={"Accept-Language": LANGUAGES[language]},
                                  bypass_csp=True)
    page = context.new_page()
    yield Phone(page, f"{screen} {language}", language), language
    context.close()


def test_an_applicant_goes_from_registering_to_an_accepted_school_place_on_a_phone(live_server, phone, county, on_day,
                                                                                     tmp_path):
    if not axe_available():
        unavailable("axe-core is not installed (make install runs npm ci): accessibility check skipped")
    device, language = phone
    page, base = device.page, live_server
    on_day(date(2027, 3, 1))
    with county("jiashan") as session:  # the county's school round, open from today
        program = programs.programs(session)["school_enrollment"]
        found = programs.create_round(session, program, {"name": "2027 秋季入学", "opens_on": "2027-04-01",
                                                         "closes_on": "2027-04-30", "quota": 2,
                                                         "sub_quotas": SCHOOLS}, actor="test")
        session.commit()
        round_id = found.id

    # Register: the account opens on the status page.
    device.go(f"{base}/jiashan/register?lang={language}")
    mobile = "13957311234"
    page.fill("#real_name", "王建国")
    page.fill("#id_number", _id("33042119850615031"))
    page.fill("#mobile", mobile)
    page.fill("#password", "Garden-gate-2027")
    page.fill("#confirm", "Garden-gate-2027")
    device.submit(page.locator("form.form button[type=submit]").first)
    assert page.url.endswith("/jiashan/me/"), page.url

    # Profile and family.
    device.go(f"{base}/jiashan/me/profile")
    page.check("#has_residence_permit")
    page.fill("#permit_number", "330421202000123")
    page.fill("#works_in_county_since", "2018-03-01")
    page.fill("#employer", "嘉善精密机械有限公司")
    page.fill("#town", "魏塘街道")
    device.submit(page.locator("form.form button[type=submit]").first)
    device.go(f"{base}/jiashan/me/family")
    page.select_option("#relation", "child")
    page.fill("#real_name", "王小明")
    page.fill("#id_number", _id("33042120200501002"))
    device.submit(page.locator("form.form button[type=submit]").first)

    # An item with its evidence, the answers checked, the declaration accepted: the reference number.
    device.go(f"{base}/jiashan/me/items/new/education")
    page.select_option("#level", "bachelor")
    page.fill("#institution", "嘉兴学院")
    page.fill("#graduated_on", "2008-06-30")
    device.submit(page.locator("form.form button[type=submit]").first)
    evidence = tmp_path / "diploma.pdf"
    evidence.write_bytes(one_page_pdf())
    page.set_input_files("#file", str(evidence))
    device.submit(page.locator("form[enctype='multipart/form-data'] button[type=submit]"))
    device.go(f"{base}/jiashan/me/submit")
    page.check("#declaration")
    device.submit(page.locator("form.form button[type=submit]").last)
    points_number = page.locator("[data-reference]").first.inner_text().strip()
    assert re.fullmatch(r"JS-2027-\d{6}", points_number), points_number

    # The department asks for more; the applicant answers from the status page.
    with county("jiashan") as session:
        item = session.scalars(select(DeclaredItem)).one()
        review.decide(session, current_county(session).hooks, item, "supplement_requested", "请上传学位证书",
                      reviewer_actor="test:reviewer")
        session.commit()
        item_id = item.id
    device.go(f"{base}/jiashan/me/")
    assert page.locator("[data-current-reason]").count() >= 1
    device.go(f"{base}/jiashan/me/items/{item_id}")
    page.set_input_files("#file", str(evidence))
    device.submit(page.locator("form[enctype='multipart/form-data'] button[type=submit]"))
    page.fill("#note", "已上传学位证书")
    device.submit(page.locator(f"form[action$='/items/{item_id}/supplement'] button[type=submit]"))
    with county("jiashan") as session:
        item = session.scalars(select(DeclaredItem)).one()
        review.decide(session, current_county(session).hooks, item, "verified", None, reviewer_actor="test:reviewer")
        session.commit()

    # A school place: the child and the school are chosen, not typed.
    on_day(date(2027, 4, 2))
    device.go(f"{base}/jiashan/programs/school_enrollment")
    page.select_option("#child_name", "王小明")
    page.select_option("#school", "魏塘小学")
    device.submit(page.locator("form[action$='/school_enrollment/apply'] button[type=submit]"))
    with county("jiashan") as session:
        applied = session.scalars(select(ProgramApplication)).one()
        assert applied.sub_quota == "魏塘小学" and applied.fields["child_name"] == "王小明"
        number = applied.reference
    assert page.locator(f"[data-applied='{number}']").count() == 1

    # Ranked and published; the number finds the application on the list; the status page shows the place.
    on_day(date(2027, 5, 6))
    with county("jiashan") as session:
        found = session.scalar(select(ProgramRound).where(ProgramRound.id == round_id))
        programs.freeze_rules(session, found, actor="test")
        outcome = ranking.run(session, found, actor="test", seed=1)
        ranking.make_current(session, session.get(RankingRun, (require_tenant().id, outcome.run_id)), "test")
        publication.publish_provisional(session, found, programs.programs(session)["school_enrollment"], actor="test")
        session.commit()
    list_url = f"{base}/jiashan/programs/school_enrollment/rounds/{round_id}/list"
    device.go(list_url)
    page.fill("#number", number.lower().replace("-", " "))  # as heard on the phone
    device.submit(page.locator("form[role=search] button[type=submit]"))
    assert page.locator("tr[data-position]").count() == 1 and page.locator("tr[data-own]").count() == 1
    page.fill("#number", points_number)  # the number of the confirmation page finds it too
    device.submit(page.locator("form[role=search] button[type=submit]"))
    assert page.locator("tr[data-own]").count() == 1 and number in page.inner_text("tr[data-own]")
    device.go(f"{base}/jiashan/me/")
    assert page.locator("[data-position]").count() >= 1

    # An objection, acknowledged with its number; decided; its outcome shown.
    device.go(list_url)
    page.fill("#reason", "请核对我的学历积分")
    device.submit(page.locator("form[action$='/objections'] button[type=submit]"))
    with county("jiashan") as session:
        objection = session.scalars(select(Objection)).one()
        assert objection.reference and objection.reference in page.inner_text("body")
        publication.decide(session, objection, False, "经复核，学历积分无误", actor="test:admin")
        session.commit()
    device.go(f"{base}/jiashan/me/")
    assert "经复核，学历积分无误" in page.inner_text("body")

    # The final list, the offer, accepted after confirming what it means.
    on_day(date(2027, 5, 20))
    with county("jiashan") as session:
        found = session.scalar(select(ProgramRound).where(ProgramRound.id == round_id))
        publication.publish_final(session, found, actor="test")
        made = offers.make_offers(session, found, actor="test")
        session.commit()
        assert [o.program_application_id for o in made] == [applied.id]
    device.go(f"{base}/jiashan/me/")
    device.submit(page.locator("a[href*='/offers/']").first)
    assert "魏塘小学" in page.inner_text("body") and "王小明" in page.inner_text("body")
    device.submit(page.locator("a[href$='/accept']").first)
    page.check("input[name=confirm]")
    device.submit(page.locator("form.form button[type=submit]").first)
    with county("jiashan") as session:
        assert [o.status for o in offers.offers_of(session, session.scalar(
            select(ProgramRound).where(ProgramRound.id == round_id)))] == ["accepted"]
    assert len(device.seen) >= 20
    assert not device.problems, "\n".join(device.problems)
