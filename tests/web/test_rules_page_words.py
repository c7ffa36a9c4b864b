"""Officials meet words, not raw keys: the county administrator's rules page of every enabled score item
draws each setting with its label (nested schemas and table rows too), its unit next to the input and its
help as a hint the input is described by, in Chinese and in English; no field name or choice key is shown
as a label or legend."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from jifen.plugin import fields as item_forms
from jifen.plugin.manager import catalog, load_installed_plugins


class Labels(HTMLParser):
    """The text of every <label>, <legend> and <option>, the ids on the page, and each input's
    aria-describedby."""

    READ = ("label", "legend", "option")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.ids: set[str] = set()
        self.described: dict[str, str] = {}
        self.hints: dict[str, str] = {}
        self.units: dict[str, str] = {}
        self._open: list[list] = []  # [tag, text, id]

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag in ("input", "select") and attributes.get("name") and attributes.get("aria-describedby"):
            self.described[attributes["name"]] = attributes["aria-describedby"]
        if tag in self.READ or (tag in ("p", "span") and attributes.get("class") in ("hint", "unit")):
            self._open.append([tag, "", attributes.get("id"), attributes.get("class")])

    def handle_data(self, data):
        for item in self._open:
            item[1] += data

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            _, text, id_, cls = self._open.pop()
            if tag in self.READ:
                self.texts.append(" ".join(text.split()).rstrip(" *"))
            elif cls == "hint" and id_:
                self.hints[id_] = text.strip()
            elif cls == "unit" and id_:
                self.units[id_] = text.strip()


def item_types():
    load_installed_plugins()
    return {i.key: i for info in catalog().values() for i in info.score_items}


def raw_keys(schema) -> set[str]:
    """Every field name and choice key of a settings schema, recursively."""
    keys: set[str] = set()
    for spec in item_forms.specs(schema):
        for each in (spec, *spec.children):
            keys.add(each.name.split(".")[-1])
            keys.update(value for value, _ in each.choices)
    return keys


@pytest.mark.sqlite_only
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_rules_page_shows_labels_units_and_help_not_field_names(client_as, lang):
    admin = client_as("jiashan", role="admin")
    admin.get(f"/jiashan/?lang={'en' if lang == 'en' else 'zh_Hans_CN'}")
    overview = admin.get("/jiashan/admin/rules").get_data(as_text=True)
    types = item_types()
    enabled = [key for key in sorted(types) if f'data-item-type="{key}"' in overview]
    assert len(enabled) >= 10
    for key in enabled:
        response = admin.get(f"/jiashan/admin/rules/{key}")
        assert response.status_code == 200, key
        page = Labels()
        page.feed(response.get_data(as_text=True))
        specs = item_forms.specs(types[key].settings_schema())
        keys = raw_keys(types[key].settings_schema())
        shown_keys = sorted({t for t in page.texts if t in keys or t.replace(" ", "_") in keys})
        assert not shown_keys, f"{key} ({lang}) shows field names or choice keys as labels: {shown_keys}"
        for spec in specs:
            assert spec.label[lang] in page.texts, (key, spec.name)
            for child in spec.children:
                assert child.label[lang] in page.texts, (key, child.name)
            for _, names in spec.choices:
                assert names[lang] in page.texts, (key, spec.name)
        # every aria-describedby points at something on the page: a hint, a unit or an error
        for name, described in page.described.items():
            missing = [i for i in described.split() if i not in page.ids]
            assert not missing, (key, name, missing)
        assert "cap" in page.described and page.units.get("cap-unit") == ("分" if lang == "zh" else "points")
        assert page.hints["cap-help"] in described_texts(page, "cap")


def described_texts(page: Labels, name: str) -> list[str]:
    return [page.hints.get(i) or page.units.get(i) for i in page.described[name].split()]


@pytest.mark.sqlite_only
def test_level_names_units_and_rows_on_the_rules_pages(client_as):
    admin = client_as("jiashan", role="admin")
    admin.get("/jiashan/?lang=zh_Hans_CN")
    education = admin.get("/jiashan/admin/rules/education").get_data(as_text=True)
    for name in ("各学历加分", "初中", "本科", "博士研究生", "按申请人最高学历计一次分"):
        assert name in education
    assert re.search(r'<label class="sub" for="points\.bachelor">本科</label>', education)
    assert re.search(r'id="points\.bachelor"[^>]*aria-describedby="points\.bachelor-unit points-help"', education)
    assert '<span class="unit" id="points.bachelor-unit">分</span>' in education

    age = admin.get("/jiashan/admin/rules/age").get_data(as_text=True)
    assert "<legend>年龄分档</legend>" in age and ">起始年龄 *</label>" in age and ">岁</span>" in age
    # the rows' hints are drawn once, in the first row, and every row's inputs are described by them
    assert age.count('id="bands.0.min_age-help"') == 1
    assert re.search(r'name="bands\.1\.min_age"[^>]*aria-describedby="bands\.1\.min_age-unit bands\.0\.min_age-help"',
                     age)

    admin.get("/jiashan/?lang=en")
    insurance = admin.get("/jiashan/admin/rules/social_insurance").get_data(as_text=True)
    for text in ("<legend>Contributions in the province</legend>", "Points per insurance type per year",
                 "Fewest contribution years", ">years</span>"):
        assert text in insurance
    assert "per_type_year</label>" not in insurance and "min years" not in insurance


@pytest.mark.sqlite_only
def test_a_refused_value_is_marked_and_described_by_its_error(client_as):
    admin = client_as("jiashan", role="admin")
    admin.get("/jiashan/?lang=en")
    response = admin.submit("/jiashan/admin/rules/patents", {"window_years": "abc"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'name="window_years"[^>]*aria-describedby="window_years-unit window_years-help '
                     r'window_years-error-1"[^>]*aria-invalid="true"', page)
    assert 'id="window_years-error-1"' in page
