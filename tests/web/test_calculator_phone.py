"""The calculator a person finishes on a phone: no names or certificate numbers, items grouped by category,
one more row on demand, the estimate at the top and never beside errors, the official scorer's number."""

from __future__ import annotations

import random
import re
from decimal import Decimal

SLUG = "jiashan"


def _page(client, query: dict | None = None):
    response = client.get(f"/{SLUG}/calculator", query_string={"lang": "en", **(query or {})})
    return response, response.get_data(as_text=True)


def _names(html: str) -> set[str]:
    return set(re.findall(r'\sname="([^"]+)"', html))


def test_no_field_that_does_not_change_the_points_is_asked(client, county):
    from jifen.points.rules import county_item_types
    from jifen.web.calculator import unscored

    _, html = _page(client)
    asked = _names(html)
    with county(SLUG) as session:
        types = county_item_types(session)
        skipped = {key: unscored(t.input_schema()) for key, t in types.items()}
    assert "institution" in skipped["education"] and "certificate_number" in skipped["skill"]
    for key, names in skipped.items():
        for name in names:
            assert f"{key}-0-{name}" not in asked, f"{key}: {name} does not change the points but is asked"
    assert "education-0-level" in asked
    # An estimate from the level alone.
    response, html = _page(client, {"go": "1", "education-0-level": "bachelor"})
    assert response.status_code == 200 and re.search(r'data-estimate="[1-9]', html)


def test_items_are_grouped_by_category_and_folded_until_used(client, county):
    from jifen.points.rules import county_item_types

    _, html = _page(client)
    with county(SLUG) as session:
        categories = {t.key: t.category for t in county_item_types(session).values()}
    sections = re.findall(r'<section class="calc-category" data-category="([a-z_]+)".*?</section>', html, re.S)
    assert sections and len(sections) == len(set(sections)) == len(set(categories.values()))
    for block in re.findall(r'<section class="calc-category".*?</section>', html, re.S):
        category = re.search(r'data-category="([a-z_]+)"', block).group(1)
        assert {categories[k] for k in re.findall(r'data-type="([a-z_]+)"', block)} == {category}
        assert re.search(r"<h2[^>]*>[^<]+</h2>", block)
    assert "<details" in html and " open>" not in html.split("<details", 1)[1].split(">", 1)[0] + ">"
    _, filled = _page(client, {"go": "1", "education-0-level": "bachelor"})
    assert re.search(r'<details class="calc-item" data-type="education" open>', filled)


def test_one_more_row_is_added_on_demand_keeping_what_was_typed(client):
    _, html = _page(client)
    assert 'name="add" value="patents"' in html and "patents-1-kind" not in _names(html)
    response, html = _page(client, {"go": "1", "patents-rows": "1", "patents-0-kind": "invention",
                                    "patents-0-granted_on": "2025-05-01", "add": "patents"})
    assert response.status_code == 200
    assert {"patents-0-kind", "patents-1-kind", "patents-1-granted_on"} <= _names(html)
    assert 'value="invention" selected' in html and 'value="2025-05-01"' in html
    assert 'name="patents-rows" value="2"' in html
    assert 'name="add" value="age"' not in html  # declared once: no second row
    assert html.index("data-estimate") < html.index('name="patents-0-kind"')  # the estimate first


def test_no_total_is_shown_beside_errors_and_the_summary_links_to_the_field(client):
    response, html = _page(client, {"go": "1", "education-0-level": "bachelor", "social_insurance-0-years": "abc"})
    assert response.status_code == 400
    assert "data-estimate" not in html
    box = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert 'href="#social_insurance-0-years"' in box and 'id="social_insurance-0-years"' in html


def test_the_format_is_hinted(client):
    _, html = _page(client)
    assert "2019, 2020, 2021" in html
    for target in re.findall(r'aria-describedby="([^"]+)"', html):
        for ident in target.split():
            assert f'id="{ident}"' in html, ident


def test_the_estimate_is_the_official_scorers(client, county):
    from jifen.plugin import fields as item_forms
    from jifen.points.rules import county_item_types, preview_rules
    from jifen.points.scoring import Declared, score
    from jifen.web.calculator import unscored

    rng = random.Random(7)
    with county(SLUG) as session:
        types = county_item_types(session)
        chosen = [(key, t.input_schema().dump(t.input_schema().load(t.sample(rng))))
                  for key, t in sorted(types.items()) if t.sample]
        expected = score([Declared(i + 1, key, data) for i, (key, data) in enumerate(chosen)], preview_rules(session),
                         types).total
        query = {"go": "1"}
        for key, data in chosen:
            fields = item_forms.specs(types[key].input_schema())
            for name, value in item_forms.shown(data, fields).items():
                if name.split(".")[0] in unscored(types[key].input_schema()):
                    continue  # not asked
                spec = next(f for f in fields if f.name == name.split(".")[0])
                if spec.kind == "boolean":
                    if value:
                        query[f"{key}-0-{name}"] = "y"
                else:
                    query[f"{key}-0-{name}"] = str(value)
    response, html = _page(client, query)
    assert response.status_code == 200, re.findall(r'<p class="error"[^>]*>(.*?)</p>', html)
    assert Decimal(re.search(r'data-estimate="([^"]+)"', html).group(1)) == expected
    assert expected > 0


def test_the_page_is_short_on_a_phone(client):
    """A proxy for its height: the folded page draws few form controls until an item is opened."""
    _, html = _page(client)
    assert len(re.findall(r"<(?:input|select)\b", html)) < 60
    assert html.count('class="field') < 40
