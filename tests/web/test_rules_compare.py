"""Rule versions side by side: every setting by its label, the ones that differ marked."""

from __future__ import annotations

import re

from jifen.county.switching import set_plugin_enabled

POINTS = {"junior_high": "20", "senior_high": "30", "college": "60", "bachelor": "80", "master": "80", "phd": "80"}


def _raise_bachelor(county):
    with county("jiashan") as session:
        set_plugin_enabled(session, "education", True, actor="test", settings={"points": {**POINTS, "bachelor": "85"}})
        session.commit()


def test_two_versions_side_by_side_mark_what_differs(client_as, county):
    admin = client_as("jiashan", role="admin")
    assert 'data-link="compare"' not in admin.get("/jiashan/admin/rules").get_data(as_text=True)  # one version
    _raise_bachelor(county)
    assert 'data-link="compare"' in admin.get("/jiashan/admin/rules").get_data(as_text=True)
    page = admin.get("/jiashan/admin/rules/compare?lang=zh_Hans_CN").get_data(as_text=True)
    assert 'data-changed-items="1"' in page
    differing = re.findall(r'<tr class="changed" data-differs><th scope="row">([^<]+)</th><td>([^<]+)</td>'
                           r'<td><strong>([^<]+)</strong>', page)
    assert len(differing) == 1
    label, before, after = differing[0]
    assert "本科" in label and (before, after) == ("80", "85")
    assert "bachelor" not in page and "junior_high" not in page  # labels, not keys
    english = admin.get("/jiashan/admin/rules/compare?a=2&b=1&lang=en").get_data(as_text=True)
    label, before, after = re.findall(r'<tr class="changed" data-differs><th scope="row">([^<]+)</th><td>([^<]+)'
                                      r'</td><td><strong>([^<]+)</strong>', english)[0]
    assert "Bachelor" in label and (before, after) == ("85", "80")


def test_the_same_version_twice_and_unknown_versions(client_as, county):
    admin = client_as("jiashan", role="admin")
    _raise_bachelor(county)
    same = admin.get("/jiashan/admin/rules/compare?a=1&b=1&lang=en").get_data(as_text=True)
    assert 'data-changed-items="0"' in same and "The same version is chosen twice." in same
    assert admin.get("/jiashan/admin/rules/compare?a=1&b=99").status_code == 404


def test_only_administrators_compare(client_as, county):
    _raise_bachelor(county)
    reviewer = client_as("jiashan", role="reviewer", department="education")
    assert reviewer.get("/jiashan/admin/rules/compare").status_code == 403
    other = client_as("haining", role="admin")
    assert other.get("/jiashan/admin/rules/compare").status_code in (302, 401, 403, 404)
