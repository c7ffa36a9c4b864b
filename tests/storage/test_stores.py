"""The two stores behind one interface (jifen.storage): the local folder and the database table."""

from __future__ import annotations

import io
import os
import stat
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from jifen import storage
from jifen.config import ConfigError, load_config
from jifen.county.tenancy import TenantMismatch, require_tenant
from jifen.models import StoredFile
from jifen.storage import DatabaseStore, LocalFolderStore, StorageError, StoredFileMissing

BIG = bytes(range(256)) * 1024  # 256 KiB: several chunks


@pytest.fixture(params=["folder", "database"])
def jifen_config(request):
    return {"JIFEN_STORAGE": request.param}


def tenant_id(session, slug: str) -> int:
    return session.scalar(text("SELECT id FROM tenants WHERE slug = :s"), {"s": slug})


class Exploding(io.RawIOBase):
    """A stream whose check fails after some chunks, as an evidence upload past its size limit does."""

    def __init__(self, good: int) -> None:
        self.left = good

    def read(self, size: int = -1, /) -> bytes:
        if self.left <= 0:
            raise ValueError("too large")
        self.left -= 1
        return b"x" * (size if size and size > 0 else 1024)


def everything_under(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_the_configuration_chooses_the_store(app, county):
    with county("jiashan") as session:
        chosen = storage.current_store(session)
        assert chosen.kind == app.config["JIFEN_STORAGE"]
        assert isinstance(chosen, LocalFolderStore if chosen.kind == "folder" else DatabaseStore)


def test_put_open_delete_and_the_file_outlives_the_session(app, county):
    with county("jiashan") as session:
        files = storage.current_store(session)
        county_id = require_tenant().id
        assert files.put(county_id, "a1", io.BytesIO(BIG)) == len(BIG)
        assert files.put(county_id, "b2", b"small") == 5
        session.commit()
    with county("jiashan") as session:  # a new session (for the folder store: nothing in memory at all)
        files = storage.current_store(session)
        assert files.exists(county_id, "a1") and not files.exists(county_id, "zz")
        with files.open(county_id, "a1") as stream:
            assert stream.read() == BIG
        assert files.keys(county_id) == ["a1", "b2"]
        assert files.put(county_id, "b2", b"replaced") == 8
        assert files.read_bytes(county_id, "b2") == b"replaced"
        files.delete(county_id, "a1")
        files.delete(county_id, "a1")  # nothing there: no error
        session.commit()
    with county("jiashan") as session:
        files = storage.current_store(session)
        assert not files.exists(county_id, "a1")
        with pytest.raises(StoredFileMissing):
            files.open(county_id, "a1")
        assert files.keys(county_id) == ["b2"]


def test_a_put_whose_stream_fails_keeps_nothing(app, county):
    with county("jiashan") as session:
        files = storage.current_store(session)
        county_id = require_tenant().id
        with pytest.raises(ValueError, match="too large"):
            files.put(county_id, "partial", Exploding(good=3))
        session.commit()
    with county("jiashan") as session:
        files = storage.current_store(session)
        assert not files.exists(county_id, "partial") and files.keys(county_id) == []
        assert session.scalars(select(StoredFile.key)).all() == []
    assert everything_under(storage_root(app)) == []  # not even a temporary file


def storage_root(app):
    with app.app_context():
        return storage.folder_root()


def test_keys_that_could_leave_the_county_are_refused(app, county):
    with county("jiashan") as session:
        files = storage.current_store(session)
        for key in ("../escape", "/absolute", ".hidden", "", "a/../b", "a//b", "_area_name", "x" * 201):
            with pytest.raises(StorageError):
                files.put(require_tenant().id, key, b"data")
            with pytest.raises(StorageError):
                files.open(require_tenant().id, key)
        files.put(require_tenant().id, "nested/key-1.pdf", b"data")  # a key may have folders of its own
        assert files.keys(require_tenant().id) == ["nested/key-1.pdf"]
    on_disk = [f"{require_tenant_id(app)}/nested/key-1.pdf"] if app.config["JIFEN_STORAGE"] == "folder" else []
    assert everything_under(storage_root(app)) == on_disk


def require_tenant_id(app) -> int:
    with app.app_context():
        from jifen.db.session import get_session

        return tenant_id(get_session(), "jiashan")


def test_areas_keep_their_keys_apart(app, county):
    with county("jiashan") as session:
        county_id = require_tenant().id
        evidence = storage.current_store(session)
        kept = storage.current_store(session, area="_imports")
        evidence.put(county_id, "same", b"evidence")
        kept.put(county_id, "same", b"kept")
        assert evidence.read_bytes(county_id, "same") == b"evidence"
        assert kept.read_bytes(county_id, "same") == b"kept"
        assert evidence.keys(county_id) == ["same"] and kept.keys(county_id) == ["same"]
        assert kept.remove_older_than(county_id, datetime(2999, 1, 1)) == 1
        assert evidence.exists(county_id, "same") and not kept.exists(county_id, "same")


def test_files_are_listed_and_removed_by_the_time_they_were_stored(app, county, on_day):
    with county("jiashan") as session:
        files = storage.current_store(session, area="_imports")
        county_id = require_tenant().id
        on_day(datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc))
        files.put(county_id, "old", b"1")
        on_day(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
        files.put(county_id, "new", b"2")
        assert files.stored_at(county_id, "old") == datetime(2026, 3, 1, 9, 0)
        assert files.stored_at(county_id, "missing") is None
        assert files.remove_older_than(county_id, datetime(2026, 3, 2, 8, 0)) == 1
        assert files.keys(county_id) == ["new"]


def test_kept_imports_last_a_day_and_are_checked_by_their_sha256(app, county, on_day):
    import hashlib

    from jifen.exchange import kept_uploads

    data = b"item,decision\n#1,\xe9\x80\x9a\xe8\xbf\x87\n"
    digest = hashlib.sha256(data).hexdigest()
    on_day(datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc))
    with county("jiashan"):
        token = kept_uploads.keep(data, actor="user:1")
    with county("jiashan"):  # "apply" is another request (and, with several servers, maybe another server)
        assert kept_uploads.load(token, digest, actor="user:1") == data
        assert kept_uploads.load(token, digest, actor="user:2") is None  # only the uploader
        assert kept_uploads.load(token, "0" * 64, actor="user:1") is None  # only what was checked
    with county("haining"):
        assert kept_uploads.load(token, digest, actor="user:1") is None  # only in its county
    on_day(datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc))
    with county("jiashan") as session:
        assert kept_uploads.load(token, digest, actor="user:1") is None  # past its day
        other = kept_uploads.keep(b"another", actor="user:1")  # and keeping another removes it
        assert storage.current_store(session, area="_imports").keys(require_tenant().id) == [
            f"{hashlib.sha256(b'user:1').hexdigest()[:16]}-{other}"]
        kept_uploads.discard(other, actor="user:1")
    with county("jiashan") as session:
        assert storage.current_store(session, area="_imports").keys(require_tenant().id) == []


# -- the folder store -------------------------------------------------------------------------------


def test_folder_store_files_are_0600_in_folders_0700_whatever_the_umask(tmp_path):
    root = tmp_path / "evidence"
    root.mkdir(mode=0o755)
    root.chmod(0o755)  # a folder made looser by hand is tightened
    previous = os.umask(0o000)
    try:
        files = LocalFolderStore(root)
        files.put(7, "doc", b"%PDF-1.4")
        kept = LocalFolderStore(root, area="_imports")
        kept.put(7, "sub/doc", b"kept")
    finally:
        os.umask(previous)
    for path in (root / "7" / "doc", root / "_imports" / "7" / "sub" / "doc"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for folder in (root, root / "7", root / "_imports", root / "_imports" / "7", root / "_imports" / "7" / "sub"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert files.path_of(7, "doc").read_bytes() == b"%PDF-1.4"
    assert files.keys(7) == ["doc"] and kept.keys(7) == ["sub/doc"] and files.keys(8) == []


def test_folder_store_clean_up_also_removes_temporary_files_of_interrupted_puts(tmp_path):
    files = LocalFolderStore(tmp_path)
    files.put(1, "kept", b"x")
    leftover = tmp_path / "1" / ".deadbeef.part"
    leftover.write_bytes(b"half")
    an_hour_ago = (datetime.now(timezone.utc) - timedelta(hours=1)).timestamp()
    os.utime(leftover, (an_hour_ago, an_hour_ago))
    assert files.keys(1) == ["kept"]  # never listed
    assert files.remove_older_than(1, (datetime.now(timezone.utc) - timedelta(minutes=1)).replace(tzinfo=None)) == 1
    assert not leftover.exists() and files.exists(1, "kept")


# -- the database store -----------------------------------------------------------------------------


@pytest.mark.parametrize("jifen_config", [{"JIFEN_STORAGE": "database"}])
def test_database_rows_are_the_countys_own_another_county_cannot_read_a_key(app, county):
    with county("jiashan") as session:
        jiashan = require_tenant().id
        DatabaseStore(session).put(jiashan, "secret", b"jiashan's evidence")
        session.commit()
    with county("haining") as session:
        files = DatabaseStore(session)
        haining = require_tenant().id
        with pytest.raises(TenantMismatch):
            files.open(jiashan, "secret")  # asking for another county's key is refused outright
        with pytest.raises(TenantMismatch):
            files.delete(jiashan, "secret")
        with pytest.raises(StoredFileMissing):
            files.open(haining, "secret")  # the same key in its own county: nothing
        assert not files.exists(haining, "secret") and files.keys(haining) == []
        assert session.scalars(select(StoredFile)).all() == []  # the ORM scoping, even unfiltered
        assert files.remove_older_than(haining, datetime(2999, 1, 1)) == 0
        files.put(haining, "secret", b"haining's own")
        session.commit()
    with county("jiashan") as session:
        assert DatabaseStore(session).read_bytes(jiashan, "secret") == b"jiashan's evidence"
        assert {(r.tenant_id, r.size) for r in session.scalars(select(StoredFile))} == {(jiashan, 18)}


@pytest.mark.postgres_only
@pytest.mark.parametrize("jifen_config", [{"JIFEN_STORAGE": "database"}])
def test_row_level_security_keeps_stored_files_from_raw_sql_of_another_county(app, county):
    with county("jiashan") as session:
        jiashan = require_tenant().id
        DatabaseStore(session).put(jiashan, "secret", b"jiashan's evidence")
        session.commit()
        haining = tenant_id(session, "haining")
    engine = app.extensions["jifen.db"].engine
    with engine.connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar() == "jifen_app_test"
        assert conn.execute(text("SELECT count(*) FROM stored_files")).scalar() == 0  # no county bound
        conn.execute(text("SELECT set_config('jifen.tenant_id', :t, true)"), {"t": str(haining)})
        assert conn.execute(text("SELECT count(*) FROM stored_files WHERE key = 'secret'")).scalar() == 0
        with pytest.raises(Exception, match="row-level security"):
            conn.execute(text("INSERT INTO stored_files (tenant_id, key, data, size, created_at) "
                              "VALUES (:t, 'smuggled', '\\x00', 1, now())"), {"t": jiashan})
        conn.rollback()
        conn.execute(text("SELECT set_config('jifen.tenant_id', :t, true)"), {"t": str(jiashan)})
        assert conn.execute(text("SELECT count(*) FROM stored_files WHERE key = 'secret'")).scalar() == 1


@pytest.mark.parametrize("jifen_config", [{"JIFEN_STORAGE": "database"}])
def test_database_writes_commit_or_roll_back_with_the_request(app, county):
    with county("jiashan") as session:
        county_id = require_tenant().id
        DatabaseStore(session).put(county_id, "rolled-back", b"x")
        session.rollback()
        assert not DatabaseStore(session).exists(county_id, "rolled-back")


def test_an_unknown_storage_is_a_start_up_error(tmp_path, monkeypatch):
    monkeypatch.delenv("JIFEN_STORAGE", raising=False)
    with pytest.raises(ConfigError, match="JIFEN_STORAGE"):
        load_config(tmp_path, {"JIFEN_STORAGE": "s3"})
    assert load_config(tmp_path, {})["JIFEN_STORAGE"] == "folder"
