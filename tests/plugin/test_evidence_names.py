"""Evidence kinds are named for people (ScoreItemType.evidence_names): the applicant's item page says which
documents are needed in words, and `jifen plugin check` fails a kind without names."""

from __future__ import annotations

import re

from jifen.plugin.kinds import ScoreItemType
from jifen.plugin.manager import catalog

def test_every_evidence_kind_has_a_name_in_both_languages(app):
    items: list[ScoreItemType] = [i for info in catalog().values() for i in info.score_items]
    assert len(items) >= 12
    for item in items:
        for kind in item.evidence:
            names = item.evidence_names.get(kind) or {}
            assert names.get("zh", "").strip() and names.get("en", "").strip(), f"{item.key}: {kind}"
        assert all(kind not in item.evidence_in(lang) for lang in ("zh", "en") for kind in item.evidence)


def test_the_item_page_names_the_documents_needed(client_as):
    applicant = client_as("jiashan", role="applicant")
    page = applicant.get("/jiashan/me/items/new/education?lang=zh_Hans_CN").get_data(as_text=True)
    english = applicant.get("/jiashan/me/items/new/education?lang=en").get_data(as_text=True)
    for html, name in ((page, "毕业证书"), (english, "Diploma")):
        needed = re.search(r"<p class=\"hint\" data-documents>([^<]*)</p>", html).group(1)
        assert name in needed and "diploma" not in needed
