"""The audit trail: one hash chain per county, written in the same transaction as the change."""

from sqlalchemy import select

from jifen import audit
from jifen.models import AuditEvent


def test_chain_verifies_and_detects_a_changed_record(county):
    with county("jiashan") as session:
        audit.record(session, "test.one", actor="test", details={"n": 1})
        audit.record(session, "test.two", actor="test", details={"n": 2})
        session.commit()
        check = audit.verify(session)
        assert check.ok and check.count >= 2
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert all(e.prev_hash == p.hash for p, e in zip(events, events[1:]))
        # Tamper in memory (the database refuses UPDATE): verification must notice.
        session.expunge_all()
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        last.details = {"n": 3}
        with session.no_autoflush:
            broken = audit.verify(session)
        assert not broken.ok and broken.first_bad_seq == last.seq
        session.rollback()


def test_each_county_has_its_own_chain(county):
    with county("haining") as session:
        first = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).first()
        assert first.seq == 1 and first.prev_hash == audit.GENESIS


def test_a_rolled_back_change_leaves_no_audit_record(county):
    with county("jiashan") as session:
        before = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
        audit.record(session, "test.rolled_back", actor="test")
        session.rollback()
        after = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
        assert after == before
