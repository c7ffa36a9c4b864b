"""Submitted applications waiting in the departments' queues."""

from dataclasses import dataclass, field

import pytest

from .helpers import EDUCATION, SKILL, submitted


@dataclass
class Queues:
    """Jiashan: four applicants with one education item each, one with a skill item (human resources);
    Haining: one applicant with an education item."""

    education: list[dict] = field(default_factory=list)
    skill: dict | None = None
    haining: dict | None = None

    def item(self, n: int) -> int:
        return self.education[n]["items"][0]


@pytest.fixture
def queues(county, make_user):
    found = Queues()
    for name in ("陈新民", "王芳芳", "李建国", "孙立平"):
        found.education.append(submitted(county, make_user, "jiashan", ("education", EDUCATION), name=name))
    found.skill = submitted(county, make_user, "jiashan", ("skill", SKILL), name="赵德胜")
    found.haining = submitted(county, make_user, "haining", ("education", EDUCATION), name="钱小红")
    return found
