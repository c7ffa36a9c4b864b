"""County portals: branding, enabled programs, languages, county resolution."""

import re


def programs_on(client, slug):
    html = client.get(f"/{slug}/").get_data(as_text=True)
    return set(re.findall(r'data-program="([a-z_]+)"', html))


def test_each_county_shows_its_name_hotline_colours_and_own_programs(client):
    jiashan = client.get("/jiashan/")
    assert jiashan.status_code == 200
    html = jiashan.get_data(as_text=True)
    assert "嘉善县" in html and "0573-84012345" in html
    assert '/jiashan/theme/logo.svg' in html
    assert programs_on(client, "jiashan") == {"school_enrollment", "hukou_transfer", "public_rental_housing",
                                              "kindergarten", "resident_medical_insurance", "commendation"}

    haining = client.get("/haining/").get_data(as_text=True)
    assert "海宁市" in haining and "嘉善" not in haining.split("<footer")[0]
    assert programs_on(client, "haining") == {"school_enrollment", "hukou_transfer", "kindergarten", "recruitment",
                                              "maternal_health", "family_doctor", "temporary_relief"}
    assert 'data-coming="2027-09-01"' in haining  # Haining brings hukou transfer in later

    css = client.get("/jiashan/theme.css")
    assert css.mimetype == "text/css" and "#0b5394" in css.get_data(as_text=True)
    assert client.get("/jiashan/theme/logo.svg").status_code == 200


def test_unknown_county_is_404_not_a_fallback(client):
    for path in ("/nowhere/", "/nowhere/login", "/nowhere/admin/", "/NOWHERE/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "嘉善" not in response.get_data(as_text=True)


def test_platform_root_lists_the_counties(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/jiashan/"' in html and 'href="/haining/"' in html


def test_program_page_and_unknown_program(client):
    assert client.get("/jiashan/programs/hukou_transfer").status_code == 200
    assert client.get("/haining/programs/public_rental_housing").status_code == 404  # not enabled there


def test_chinese_by_default_english_on_a_switch(client):
    html = client.get("/jiashan/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "登录" in html
    html = client.get("/jiashan/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "Jiashan County" in html and "Log in" in html
    # The choice sticks for the next page.
    assert "School places for children" in client.get("/jiashan/").get_data(as_text=True)


def test_county_resolved_from_its_host_name(client):
    assert 'href="/haining/programs/school_enrollment"' in client.get("/haining/").get_data(as_text=True)
    response = client.get("/", headers={"Host": "haining.jifen.localhost"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "海宁市" in html
    assert 'href="/programs/school_enrollment"' in html  # links carry no /haining prefix on its own host
    assert client.get("/programs/school_enrollment", headers={"Host": "haining.jifen.localhost"}).status_code == 200
    # Another county's path on this host does not cross over.
    assert client.get("/jiashan/", headers={"Host": "haining.jifen.localhost"}).status_code == 404


def test_theme_override_is_chosen_by_template_name(client):
    jiashan = client.get("/jiashan/").get_data(as_text=True)
    haining = client.get("/haining/").get_data(as_text=True)
    assert "一次性纳入" in jiashan  # tenants/jiashan/templates/banner.html
    assert "一次性纳入" not in haining and "公共服务按积分排名" in haining  # the shared banner.html


def test_pages_are_usable_on_a_phone_and_send_security_headers(client):
    response = client.get("/jiashan/")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in response.get_data(as_text=True)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "style=" not in response.get_data(as_text=True)  # no inline styles: the CSP forbids them


def test_logged_in_visitors_get_their_own_page_not_a_shared_one(client, make_user, login):
    anonymous = client.get("/jiashan/").get_data(as_text=True)
    assert "/jiashan/login" in anonymous
    login(client, make_user("jiashan"))
    personal = client.get("/jiashan/").get_data(as_text=True)
    assert "/jiashan/logout" in personal and personal != anonymous


def test_the_county_list_is_rendered_once_and_again_when_a_county_changes(app, client):
    """The list at / is kept per process for anonymous visitors, and made again when a county is added,
    removed or changed (its count or latest change differs)."""
    from jifen.db.session import get_session
    from jifen.models import Tenant
    from sqlalchemy import select

    first = client.get("/?lang=zh_Hans_CN").get_data(as_text=True)
    assert client.get("/").get_data(as_text=True) == client.get("/").get_data(as_text=True)
    with app.app_context():
        session = get_session()
        haining = session.scalar(select(Tenant).where(Tenant.slug == "haining"))
        before = haining.name_zh
        haining.name_zh = "海宁市（新）"
        session.commit()
    try:
        again = client.get("/").get_data(as_text=True)
        assert "海宁市（新）" in again and "海宁市（新）" not in first
    finally:
        with app.app_context():
            session = get_session()
            session.scalar(select(Tenant).where(Tenant.slug == "haining")).name_zh = before
            session.commit()


def test_a_countys_host_is_kept_a_few_seconds_and_a_host_of_nobody_never(app, client):
    """By host name a county is found as by path: kept per process a few seconds (jifen.county.lookup),
    forgotten when the counties are loaded again; a host no county has is looked up every time."""
    from jifen.county.lookup import forget_tenants
    from jifen.db.session import get_session
    from jifen.models import Tenant, TenantHost
    from sqlalchemy import delete, select

    new_host = {"Host": "jiashan.example.gov.cn"}
    page = "/programs/hukou_transfer"
    assert client.get(page, headers=new_host).status_code == 404
    assert "jiashan.example.gov.cn" not in app.extensions.get("jifen.host_cache", {})
    with app.app_context():
        session = get_session()
        jiashan = session.scalar(select(Tenant).where(Tenant.slug == "jiashan"))
        session.add(TenantHost(host="jiashan.example.gov.cn", tenant_id=jiashan.id))
        session.commit()
    assert client.get(page, headers=new_host).status_code == 200  # at once: "nobody's" was not kept
    assert app.extensions["jifen.host_cache"]["jiashan.example.gov.cn"][1] == "jiashan"
    with app.app_context():
        session = get_session()
        session.execute(delete(TenantHost).where(TenantHost.host == "jiashan.example.gov.cn"))
        session.commit()
        forget_tenants()  # as `jifen tenants load` does
    assert client.get(page, headers=new_host).status_code == 404


def test_a_changed_start_date_shows_on_the_next_request(client, county):
    """The landing page is kept per process, under the county's plugins revision: a change to a plugin's
    settings (not only a switch) is a new page at once."""
    from jifen.county.switching import set_plugin_enabled

    page = client.get("/haining/").get_data(as_text=True)
    assert 'data-coming="2027-09-01"' in page
    with county("haining") as session:
        from jifen.county.context import current_county

        settings = current_county(session).settings_of("hukou_transfer")
        set_plugin_enabled(session, "hukou_transfer", True, actor="test", settings={**settings, "start_on": "2027-10-01"})
        session.commit()
    page = client.get("/haining/").get_data(as_text=True)
    assert 'data-coming="2027-10-01"' in page and 'data-coming="2027-09-01"' not in page


def test_a_program_page_is_kept_for_anonymous_visitors_and_a_changed_round_shows_at_once(app, client, county,
                                                                                        open_round):
    """The page is kept per process under the program's rounds as they are now: a round opened, or a
    round's quota changed, is a new page on the next request."""
    from flask import template_rendered
    from sqlalchemy import update

    from jifen.models import ProgramRound

    assert "Round A" not in client.get("/jiashan/programs/hukou_transfer").get_data(as_text=True)
    round_id = open_round("jiashan", "hukou_transfer", quota=7, name="Round A")
    page = client.get("/jiashan/programs/hukou_transfer?lang=en").get_data(as_text=True)
    assert "Round A" in page
    rendered = []
    with template_rendered.connected_to(lambda sender, template, context, **extra: rendered.append(template.name),
                                        app):
        again = client.get("/jiashan/programs/hukou_transfer?lang=en").get_data(as_text=True)
    assert again == page and "portal/program.html" not in rendered  # kept, not rendered again
    with county("jiashan") as session:
        session.execute(update(ProgramRound).where(ProgramRound.id == round_id).values(name="Round B"))
        session.commit()
    page = client.get("/jiashan/programs/hukou_transfer?lang=en").get_data(as_text=True)
    assert "Round B" in page and "Round A" not in page
