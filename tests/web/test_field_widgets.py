"""Widgets a schema field declares in its metadata: a textarea, a character counter for a maximum length;
drawn by the same macro for score item inputs and program application fields."""

from decimal import Decimal

import marshmallow as ma
import pytest
from werkzeug.datastructures import MultiDict

from jifen.plugin import fields
from jifen.plugin.hookspecs import hookimpl
from jifen.plugin.kinds import ScoreItemType


class Statement(ma.Schema):
    statement = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=300), metadata={
        "label": {"zh": "情况说明", "en": "Statement"}, "widget": "textarea"})
    employer = ma.fields.String(validate=ma.validate.Length(max=40), metadata={
        "label": {"zh": "单位", "en": "Employer"}, "counter": True})
    plain = ma.fields.String(validate=ma.validate.Length(max=60), metadata={"label": {"zh": "备注", "en": "Remark"}})


class StatementItem:
    @hookimpl
    def register_score_item_types(self):
        return [ScoreItemType(key="widget_probe", category="social_service", names={"zh": "说明", "en": "Statement"},
                              input_schema=Statement, department="civil_affairs", score=lambda data, s: Decimal(1))]


def test_the_spec_carries_the_widget_the_maximum_and_the_counter():
    found = {spec.name: (spec.widget, spec.max_length, spec.counter) for spec in fields.specs(Statement())}
    assert found == {"statement": ("textarea", 300, True), "employer": ("", 40, True), "plain": ("", 60, False)}


def test_a_textareas_line_breaks_are_read_as_the_browser_counted_them():
    form = MultiDict({"statement": "line one\r\nline two\r\n"})
    assert fields.read(form, "", fields.specs(Statement())) == {"statement": "line one\nline two"}


def test_widget_problems_name_unknown_widgets_and_misfits():
    class Wrong(ma.Schema):
        rich = ma.fields.String(metadata={"widget": "rich_text"})
        years = ma.fields.Integer(metadata={"widget": "textarea"})
        unbounded = ma.fields.String(metadata={"counter": True})
        fine = ma.fields.String(validate=ma.validate.Length(max=10), metadata={"widget": "textarea", "counter": False})

    problems = {name: fields.widget_problems(field) for name, field in Wrong().fields.items()}
    assert problems == {
        "rich": ["unknown widget 'rich_text' (known: textarea)"],
        "years": ["widget 'textarea' is for text (String) fields, not for Integer"],
        "unbounded": ["a counter needs a maximum: validate=ma.validate.Length(max=...)"],
        "fine": []}


@pytest.mark.sqlite_only
@pytest.mark.with_plugins("widget_probe", county="jiashan", install={"widget_probe": StatementItem()})
def test_a_textarea_is_drawn_with_its_maxlength_and_a_counter(client_as):
    client = client_as("jiashan")
    client.get("/jiashan/?lang=en")
    page = client.get("/jiashan/me/items/new/widget_probe").get_data(as_text=True)
    assert '<textarea id="statement" name="statement" rows="5" maxlength="300"' in page
    assert '<p class="hint counter" id="statement-count">Up to 300 characters</p>' in page
    assert 'aria-describedby="statement-count"' in page
    assert 'maxlength="40"' in page and 'id="employer-count"' in page  # a counter on a one-line input
    assert 'maxlength="60"' in page and 'id="plain-count"' not in page  # a maximum without a counter

    answered = client.submit("/jiashan/me/items/new/widget_probe", {"statement": "x"})
    again = answered.get_data(as_text=True)
    assert '>x</textarea>' in again and "1 of 300 characters" in again



@pytest.mark.sqlite_only
@pytest.mark.with_plugins("widget_probe", county="jiashan", install={"widget_probe": StatementItem()})
def test_the_counter_speaks_chinese(app, client_as):
    client = client_as("jiashan")
    client.get("/jiashan/?lang=zh_Hans_CN")
    chinese = client.get("/jiashan/me/items/new/widget_probe").get_data(as_text=True)
    assert '<p class="hint counter" id="statement-count">最多 300 个字符</p>' in chinese
    answered = client.submit("/jiashan/me/items/new/widget_probe", {"statement": "x"}).get_data(as_text=True)
    assert "已填 1 个字符，最多 300 个" in answered


class Reasons(ma.Schema):
    reasons = ma.fields.String(required=True, validate=ma.validate.Length(max=500), metadata={
        "label": {"zh": "申请理由", "en": "Reasons"}, "widget": "textarea"})


class ReasonsProgram:
    @hookimpl
    def register_service_programs(self):
        from jifen.plugin.kinds import ServiceProgram

        return [ServiceProgram(key="widget_program", names={"zh": "理由", "en": "Reasons"}, quota_mode="headcount",
                               application_schema=Reasons)]


@pytest.mark.sqlite_only
@pytest.mark.with_plugins("widget_program", county="jiashan", install={"widget_program": ReasonsProgram()})
def test_a_programs_application_field_is_drawn_as_a_textarea_too(client_as, open_round):
    open_round("jiashan", "widget_program")
    page = client_as("jiashan").get("/jiashan/programs/widget_program?lang=en").get_data(as_text=True)
    assert '<textarea id="reasons" name="reasons" rows="5" maxlength="500"' in page
    assert 'id="reasons-count">Up to 500 characters</p>' in page


def test_the_shared_field_macro_writes_only_the_attributes_given(client_as):
    """`field()` of _forms.html: an attribute left out is not written (WTForms would write the word None)."""
    admin = client_as("jiashan", role="admin")
    upload = admin.get("/jiashan/admin/onboarding").get_data(as_text=True)
    assert 'accept=".xlsx' in upload and '="None"' not in upload
    family = client_as("jiashan").get("/jiashan/me/family").get_data(as_text=True)
    assert 'id="real_name"' in family and '="None"' not in family
    refused = admin.submit("/jiashan/admin/onboarding", {}, content_type="multipart/form-data")
    assert refused.status_code == 400 and 'aria-invalid="true"' in refused.get_data(as_text=True)
