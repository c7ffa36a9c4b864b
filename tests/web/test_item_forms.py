"""Every enabled score item's forms can be drawn: the declaration form, and the points-table editor."""

import pytest

from jifen.plugin.manager import catalog, load_installed_plugins


def item_keys():
    load_installed_plugins()
    return sorted(i.key for info in catalog().values() for i in info.score_items)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("slug", ["jiashan", "haining"])
def test_every_item_form_and_points_table_renders(client, make_user, login, slug):
    admin = make_user(slug, role="admin")
    login(client, admin)
    applicant_client = client.application.test_client()
    applicant_client.__class__ = type(client)
    login(applicant_client, make_user(slug))
    overview = client.get(f"/{slug}/admin/rules").get_data(as_text=True)
    rendered = 0
    for key in item_keys():
        if f'data-item-type="{key}"' not in overview:
            continue  # not enabled in this county
        assert client.get(f"/{slug}/admin/rules/{key}").status_code == 200, key
        assert applicant_client.get(f"/{slug}/me/items/new/{key}").status_code == 200, key
        rendered += 1
    assert rendered >= 10


@pytest.mark.sqlite_only
def test_points_table_with_nested_settings_round_trips(client, make_user, login, county, save_points_table):
    login(client, make_user("jiashan", role="admin"))
    page = client.get("/jiashan/admin/rules/social_service").get_data(as_text=True)
    assert 'name="volunteer.points"' in page and 'value="2"' in page
    age = client.get("/jiashan/admin/rules/age").get_data(as_text=True)
    assert 'name="bands.0.min_age"' in age and 'name="bands.1.min_age"' in age  # one band and an empty row
    form = {"cap": "20", "volunteer.points": "3", "volunteer.unit": "50", "volunteer.cap": "10",
            "blood.points": "2", "blood.unit": "200", "blood.cap": "10"}
    assert save_points_table(client, "jiashan", "social_service", form).saved.status_code == 302
    from jifen.county.context import current_county

    with county("jiashan") as session:
        assert current_county(session).settings_of("social_service")["volunteer"]["points"] == "3"
