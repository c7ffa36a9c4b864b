from jifen.db.ids import new_id


def test_ids_are_unique_increasing_and_fit_bigint():
    ids = [new_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert all(0 < i < 2**63 for i in ids)
