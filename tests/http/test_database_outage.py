"""Failing well: while PostgreSQL restarts, every request is a translated 503 with Retry-After (a page, or
the API's JSON error), never a 500; once it is back, the same application answers again.

The shared PostgreSQL server is never restarted: the application reaches it through a TCP forwarder
started here, which drops every connection and refuses new ones for the length of the "restart".
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.postgres_only

OUTAGE_SECONDS = 2.0
UNAVAILABLE_ZH = "服务暂时无法使用，请过几秒钟再试。"
UNAVAILABLE_EN = "The service is briefly unavailable. Please try again in a few seconds."


class Forwarder:
    """127.0.0.1:<port> -> the database server; :meth:`cut` drops all connections and refuses new ones
    (the port is closed: connecting fails at once, as while a server restarts), :meth:`restore` listens
    again on the same port."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.accepted = 0

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._acceptor = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._acceptor.start()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, upstream))
                self.accepted += 1
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source, sink)

    def _close(self, *sockets: socket.socket) -> None:
        for sock in sockets:
            with self._lock:
                self._open.discard(sock)
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if self._acceptor is not None:
            self._acceptor.join()  # out of accept(), so that the port is free once the listener is closed
        if listener is not None:
            listener.close()
        with self._lock:
            open_now = list(self._open)
        self._close(*open_now)

    def restore(self) -> None:
        self.start()

    def stop(self) -> None:
        self.cut()


@pytest.fixture
def forwarder(jifen_database):
    target = make_url(jifen_database.app_url)
    fwd = Forwarder(target.host or "127.0.0.1", target.port or 5432)
    fwd.start()
    yield fwd
    fwd.stop()


@pytest.fixture
def jifen_config(forwarder, jifen_database):
    through = make_url(jifen_database.app_url).set(host="127.0.0.1", port=forwarder.port)
    return {"DATABASE_URL": through.render_as_string(hide_password=False)}


def _assert_unavailable_page(response, text: str, where: str) -> None:
    assert response.status_code == 503, f"{where}: {response.status_code}"
    assert response.mimetype == "text/html", where
    assert text in response.get_data(as_text=True), where
    assert int(response.headers["Retry-After"]) > 0, where
    assert response.headers["Cache-Control"] == "no-store", where


@pytest.mark.slow
def test_while_the_database_restarts_every_answer_is_503_then_the_same_app_recovers(app, client, client_as,
                                                                                       forwarder):
    english = app.test_client()
    assert english.get("/?lang=en").status_code == 200
    applicant = client_as("jiashan")
    pages = {"/": client, "/jiashan/": client, "/jiashan/me/": applicant}
    host = {"Host": "haining.jifen.localhost"}  # a county on its own host name: looked up before routing
    assert client.get("/", headers=host).status_code == 200
    for path, who in pages.items():
        assert who.get(path).status_code == 200, path
    assert client.get("/api/v1/counties").status_code == 200
    assert client.get("/healthz").get_json()["database"] == "ok"
    assert forwarder.accepted > 0, "the application does not go through the forwarder"

    forwarder.cut()
    statuses: list[int] = []
    deadline = time.monotonic() + OUTAGE_SECONDS
    while time.monotonic() < deadline:
        for path, who in pages.items():
            response = who.get(path)
            statuses.append(response.status_code)
            _assert_unavailable_page(response, UNAVAILABLE_ZH, path)
        response = client.get("/", headers=host)
        statuses.append(response.status_code)
        _assert_unavailable_page(response, UNAVAILABLE_ZH, "county host")
        _assert_unavailable_page(english.get("/"), UNAVAILABLE_EN, "/ in English")

        api = client.get("/api/v1/counties")
        statuses.append(api.status_code)
        assert api.status_code == 503 and api.is_json
        assert api.get_json()["error"]["code"] == "service_unavailable"
        assert api.get_json()["error"]["status"] == 503
        assert api.get_json()["error"]["message"] == UNAVAILABLE_ZH
        assert int(api.headers["Retry-After"]) > 0

        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.get_json()["status"] == "down" and health.get_json()["database"] == "down"
    assert len(statuses) > 20 and set(statuses) == {503}

    forwarder.restore()
    for path, who in pages.items():
        assert who.get(path).status_code == 200, f"{path} after the database came back"
    assert client.get("/", headers=host).status_code == 200
    assert client.get("/api/v1/counties").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json()["database"] == "ok"


def test_a_restart_the_app_did_not_see_costs_no_request(app, client, forwarder):
    """Pooled connections that died while the application was idle are replaced when checked out."""
    assert client.get("/").status_code == 200
    assert client.get("/jiashan/").status_code == 200
    before = forwarder.accepted
    forwarder.cut()  # every pooled connection is dead now
    forwarder.restore()
    assert client.get("/").status_code == 200
    assert client.get("/jiashan/").status_code == 200
    assert forwarder.accepted > before  # new connections replaced the dead ones


def test_a_mistake_in_sql_is_still_a_500_not_a_503(app):
    """Only an unreachable database is "unavailable": a wrong statement stays the server error it is."""
    from sqlalchemy import text

    from jifen.db.session import get_session
    from jifen.http.security import public

    @app.get("/broken-sql")
    @public
    def broken_sql():
        get_session().execute(text("SELECT no_such_column FROM tenants"))
        return "unreachable"

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/broken-sql")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers


def test_only_transient_sqlite_errors_count_as_unavailable():
    import sqlite3

    from sqlalchemy import exc as sa_exc

    from jifen.web.errors import database_unavailable

    def wrapped(message: str):
        return sa_exc.OperationalError("SELECT 1", None, sqlite3.OperationalError(message))

    assert database_unavailable(wrapped("database is locked"))
    assert not database_unavailable(wrapped("no such column: no_such_column"))
    assert database_unavailable(sa_exc.OperationalError("SELECT 1", None, Exception("connection refused")))
    assert not database_unavailable(sa_exc.ProgrammingError("SELECT 1", None, Exception("syntax error")))
