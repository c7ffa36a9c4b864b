"""jifen.county.revisions: the stamps the database changes with every write to a county's plugins or rounds."""

from __future__ import annotations

from sqlalchemy import delete, select, text, update

from jifen.models import ProgramRound, Tenant


def revisions(county, slug: str) -> tuple[int, int]:
    with county(slug) as session:
        return tuple(session.execute(select(Tenant.plugins_revision, Tenant.rounds_revision)
                                     .where(Tenant.slug == slug)).one())


def test_each_write_to_a_countys_rounds_gives_a_new_rounds_revision_and_only_there(county, open_round):
    seen = [revisions(county, "jiashan")]
    haining = revisions(county, "haining")
    round_id = open_round("jiashan", "hukou_transfer", quota=3)
    seen.append(revisions(county, "jiashan"))
    with county("jiashan") as session:
        session.execute(update(ProgramRound).where(ProgramRound.id == round_id).values(quota=4))
        session.commit()
    seen.append(revisions(county, "jiashan"))
    with county("jiashan") as session:
        session.execute(delete(ProgramRound).where(ProgramRound.id == round_id))
        session.commit()
    seen.append(revisions(county, "jiashan"))
    rounds = [r for _, r in seen]
    assert len(set(rounds)) == len(rounds)  # never one it had before
    assert len({p for p, _ in seen}) == 1  # the plugins revision is another's business
    assert revisions(county, "haining") == haining  # and another county's are its own


def test_a_write_rolled_back_leaves_the_revision_as_it_was(county, open_round):
    before = revisions(county, "jiashan")
    with county("jiashan") as session:
        session.execute(text("UPDATE plugin_enablements SET settings_version = 1"))
        inside = session.execute(select(Tenant.plugins_revision).where(Tenant.slug == "jiashan")).scalar()
        session.rollback()
    assert inside != before[0]  # the writing transaction sees its own new revision
    assert revisions(county, "jiashan") == before


def test_the_county_list_revision_follows_what_the_list_shows(app, county):
    from jifen.db.session import get_session
    from jifen.models import PlatformRevision

    def counties() -> int:
        with app.app_context():
            return get_session().scalar(select(PlatformRevision.value).where(PlatformRevision.name == "counties"))

    seen = [counties()]
    with app.app_context():
        session = get_session()
        session.add(Tenant(slug="tongxiang", name_zh="桐乡市", name_en="Tongxiang"))
        session.commit()
    seen.append(counties())
    with app.app_context():
        session = get_session()
        session.execute(update(Tenant).where(Tenant.slug == "tongxiang").values(name_en="Tongxiang City"))
        session.commit()
    seen.append(counties())
    with app.app_context():
        session = get_session()
        session.execute(update(Tenant).where(Tenant.slug == "tongxiang").values(hotline="0573-1"))
        session.commit()
    assert counties() == seen[-1]  # not on the list: no new revision
    with county("jiashan") as session:  # a county's plugins: not the list's business either
        session.execute(text("UPDATE plugin_enablements SET settings_version = 1"))
        session.commit()
    assert counties() == seen[-1]
    with app.app_context():
        session = get_session()
        session.execute(delete(Tenant).where(Tenant.slug == "tongxiang"))
        session.commit()
    seen.append(counties())
    assert len(set(seen)) == len(seen)
