"""What the health programs' tests share: an identity number for a date of birth, the text of a page as a
person reads it, and a round of centres with a couple ranked."""

from __future__ import annotations

from html.parser import HTMLParser

from jifen.identity.national_id import check_digit


def id_number(born: str, serial: int) -> str:
    """A valid identity number (Beijing's area code, never a Zhejiang one of a test account) born on ``born``."""
    first17 = f"110101{born}{serial:03d}"
    return first17 + check_digit(first17)


class _ReadText(HTMLParser):
    """The text a person reads (no tags, attributes, scripts or styles)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def read_text(html: str) -> str:
    parser = _ReadText()
    parser.feed(html)
    return "\n".join(parser.texts)



def rank_couple_and_centres(county, make_user, on_day, round_id: int, people: dict, fields, *, ranked_on, seed: int):
    """Apply ``people`` ({label: (points, centre)}) with confirmed points to the round, marry "husband" and
    "wife" (each declares the other), rank the round on ``ranked_on``; returns ({label: outcome}, the run)."""
    from decimal import Decimal

    from sqlalchemy import select

    from jifen import clock, references
    from jifen.county.tenancy import require_tenant
    from jifen.models import Application, ProgramApplication, ProgramRound, RankingResult
    from jifen.ranking import runs as ranking
    from tests.ledger_helpers import declare_spouses

    users = {label: make_user("jiashan") for label in people}
    with county("jiashan") as session:
        for label, (points, centre) in people.items():
            session.add(Application(user_id=users[label].id, status="confirmed", total_points=Decimal(points)))
            session.add(ProgramApplication(
                reference=references.next_reference(session), round_id=round_id, user_id=users[label].id,
                sub_quota=centre, fields=fields(centre=centre), applied_at=clock.utcnow()))
        session.flush()
        declare_spouses(session, users["husband"], users["wife"])
        session.commit()

        on_day(ranked_on)
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        outcome = ranking.run(session, found, actor="test", seed=seed)
        session.commit()
        label_of = {u.id: label for label, u in users.items()}
        user_of = dict(session.execute(select(ProgramApplication.id, ProgramApplication.user_id)
                                       .where(ProgramApplication.round_id == round_id)).all())
        results = {label_of[user_of[r.program_application_id]]: r.outcome for r in session.scalars(
            select(RankingResult).where(RankingResult.run_id == outcome.run_id))}
    return results, outcome
