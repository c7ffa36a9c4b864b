"""Production as docs/deployment.md sets it up, then a round from registration to an accepted place,
over real HTTP, across two application servers.

What runs is the page's own text (its blocks marked ``# journey: NAME``, see journey_kit.Stand for the
few rewrites: the test's database and role names, its folders, no sudo): the PostgreSQL roles and
database, the configuration files, ``jifen-manage`` with ``db upgrade``, ``grant-app-role``,
``tenants load``; two gunicorn servers, one ``jifen worker`` and one ``jifen scheduler`` started from
the page's systemd units (ExecStart, EnvironmentFile, Environment, WorkingDirectory), each server with
an instance folder of its own; then the page's backup script and its restore check. The two servers
run in two network namespaces acting as two hosts where ``ip netns`` works (root), otherwise on two
ports of loopback; the test prints which.

The journey, each step on the server named: an applicant registers on A, declares an item and
uploads a PDF on A; the reviewer, on B, finds it in the queue, downloads the same bytes (the evidence
store is the database) and verifies it; a second applicant does the same the other way round. The
administrator creates a round on A, both apply, the administrator starts the ranking on B: the request
only queues it, the worker runs it, the job page on A shows it finished. Then provisional and final
lists as the pages allow, the offers (their messages sent by the worker, by e-mail to an SMTP server
of the test's own when the e-mail plugin is installed), an offer that expires by the scheduler's timed
work and passes to the next applicant, who accepts. Logging out on A makes the old cookie anonymous
on B; /healthz on both says database, Redis and queue are ok.

The one shortcut: rounds, publication periods and offer deadlines run on the real calendar of separate
processes, which the test cannot move. Where the pages wait for days to pass, the test moves that date
into the past with one SQL UPDATE as the tables' owner (`calendar_moves_on`): the window of the round
(to rank it), the end of the provisional list's period (to publish the final list), one offer's
deadline (for the scheduler to expire it).

Needs PostgreSQL (the test kit's JIFEN_TEST_PG_URL) and Redis (JIFEN_TEST_REDIS_URL's server,
database 11; a private redis-server is started when none answers and one is installed). Without them
the test is skipped, and fails under JIFEN_REQUIRE_POSTGRES=1 (CI). Everything it made, it removes:
processes (by pid), the databases and roles, its Redis keys, the namespaces.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import time
import urllib.parse
from datetime import datetime, timedelta
from importlib.metadata import entry_points
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from journey_kit import (
    ROOT, Browser, Hosts, Processes, Response, Server, Stand, command_of, env_file, free_port, journey_blocks,
    nginx_proxy_headers, run_script, unit_file, wait_for, write_env_file,
)

pytestmark = pytest.mark.slow

PDF = b"%PDF-1.4\n% journey diploma\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PASSWORD = "Journey-pass-2026"
COUNTY = "jiashan"
TOWN = "魏塘街道"
REDIS_DB = 11
BLOCKS = ("database", "jifen.env", "owner.env", "jifen-manage", "migrate", "gunicorn.conf.py", "jifen-web.service",
          "jifen-worker@.service", "jifen-scheduler.service", "nginx", "jifen-backup", "restore")


def unavailable(reason: str):
    if os.environ.get("JIFEN_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"JIFEN_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def id_number(n: int) -> str:
    from jifen.identity.national_id import check_digit

    first17 = f"330421198{n % 10}0{n % 9 + 1}1{n % 10}{n:03d}"
    return first17 + check_digit(first17)


class Deployment:
    """Everything the test starts and makes, to be removed at the end whatever happened."""

    def __init__(self, tmp: Path, admin_url: str, redis_base: tuple[str, int]) -> None:
        self.tmp = tmp
        self.admin_url = make_url(admin_url)
        self.blocks = journey_blocks()
        missing = [name for name in BLOCKS if name not in self.blocks]
        assert not missing, f"docs/deployment.md lacks the blocks `# journey: {missing}`"
        self.stand = Stand(tmp, Path(sys.executable).parent.parent, self.admin_url.host, self.admin_url.port or 5432)
        self.processes = Processes(tmp / "logs")
        self.redis_base = redis_base
        self.queue = f"journey-{self.stand.tag}"
        self.redis_url = f"redis://{redis_base[0]}:{redis_base[1]}/{REDIS_DB}"
        self.owner_password, self.app_password = secrets.token_hex(24), secrets.token_hex(24)
        self.hosts: Hosts | None = None
        self.smtp = None
        self.mail: list = []
        self.redis_keys_before: set[bytes] = set()
        self.made_database = False
        self.servers: dict[str, Server] = {}
        self.notes: list[str] = []

    # ----------------------------------------------------------------- environment

    def base_env(self) -> dict[str, str]:
        return {"PATH": os.pathsep.join([str(self.tmp / "sbin"), str(Path(sys.executable).parent),
                                         os.environ.get("PATH", "/usr/bin:/bin")]),
                "LANG": "C.UTF-8", "HOME": str(self.tmp), "PYTHONDONTWRITEBYTECODE": "1"}

    def pg_env(self) -> dict[str, str]:
        """The administrative connection of the test kit, where the page says `sudo -u postgres`."""
        url = self.admin_url
        env = {"PGHOST": url.host, "PGPORT": str(url.port or 5432), "PGUSER": url.username or "postgres",
               "PGDATABASE": url.database or "postgres"}
        if url.password:
            env["PGPASSWORD"] = str(url.password)
        return env

    def shell_env(self) -> dict[str, str]:
        return {**self.base_env(), **self.pg_env(), "OWNER_PASSWORD": self.owner_password,
                "APP_PASSWORD": self.app_password}

    def owner_url(self) -> str:
        return (self.admin_url.set(username=self.stand.names["jifen_owner"], password=self.owner_password,
                                   database=self.stand.database, drivername="postgresql+psycopg")
                .render_as_string(hide_password=False))

    # ----------------------------------------------------------------- configuration

    def write_configuration(self) -> dict[str, str]:
        doc = env_file(self.blocks["jifen.env"])
        for key, value in {"JIFEN_ENV": "production", "JIFEN_STORAGE": "database", "JIFEN_TRUSTED_PROXIES": "1"}.items():
            assert doc.get(key) == value, f"docs/deployment.md's jifen.env should set {key}={value}"
        for key in ("SECRET_KEY", "JIFEN_DATA_KEY", "DATABASE_URL", "REDIS_URL", "JIFEN_PLATFORM_HOSTS"):
            assert doc.get(key), f"docs/deployment.md's jifen.env lacks {key}"
        assert "DATABASE_OWNER_URL" not in doc, "the owner's URL belongs in owner.env, not in every process's file"
        owner_doc = env_file(self.blocks["owner.env"])
        assert set(owner_doc) == {"DATABASE_OWNER_URL"}

        def own(value: str) -> str:
            return (self.stand.apply(value).replace("APP_PASSWORD", self.app_password)
                    .replace("OWNER_PASSWORD", self.owner_password))

        values = {key: own(value) for key, value in doc.items()}
        assert make_url(values["DATABASE_URL"]).username == self.stand.names["jifen_app"]
        values.update({
            "SECRET_KEY": secrets.token_hex(32), "JIFEN_DATA_KEY": secrets.token_hex(32),
            "REDIS_URL": self.redis_url, "JIFEN_QUEUE": self.queue,
            "JIFEN_TICK_SECONDS": "1",  # the scheduler's tick: every second instead of every minute
        })
        if self.smtp is not None:
            values.update({"JIFEN_SMTP_URL": f"smtp://127.0.0.1:{self.smtp.port}",
                           "JIFEN_MAIL_FROM": "noreply@jifen.example.gov.cn"})
        etc = self.stand.path("/etc/jifen")
        write_env_file(etc / "jifen.env", values)
        owner = {key: own(value) for key, value in owner_doc.items()}
        assert make_url(owner["DATABASE_OWNER_URL"]).username == self.stand.names["jifen_owner"]
        write_env_file(etc / "owner.env", owner)
        (etc / "gunicorn.conf.py").write_text(self.stand.apply(self.blocks["gunicorn.conf.py"]), encoding="utf-8")
        for script in ("jifen-manage", "jifen-backup"):
            path = self.stand.path(f"/usr/local/sbin/{script}")
            path.write_text(self.stand.apply(self.blocks[script]), encoding="utf-8")
            path.chmod(0o700)
        return values

    # ----------------------------------------------------------------- start

    def start(self) -> None:
        self.start_redis_and_mail()
        self.config = self.write_configuration()
        self.public_host = self.config["JIFEN_PLATFORM_HOSTS"].split(",")[0].strip()
        self.made_database = True  # from here on, the roles and databases are dropped at the end
        run_script(self.stand.apply(self.blocks["database"]), self.shell_env(), self.tmp, "database")
        migrated = run_script(self.stand.apply(self.blocks["migrate"]), self.shell_env(), self.tmp, "migrate")
        with create_engine(self.owner_url()).connect() as conn:
            self.revisions = sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
            owner = conn.execute(text("SELECT tableowner FROM pg_tables WHERE tablename = 'users'")).scalar()
        assert self.revisions and all(r in migrated for r in self.revisions), migrated
        assert owner == self.stand.names["jifen_owner"], "the tables belong to the owner role"
        self.make_accounts()
        self.start_services()

    def start_redis_and_mail(self) -> None:
        import redis

        connection = redis.Redis.from_url(self.redis_url, socket_connect_timeout=2)
        self.redis_keys_before = set(connection.keys("*"))
        if any(ep.name == "email" and ep.value.startswith("jifen_plugins.") for ep in entry_points(group="jifen.plugins")):
            from aiosmtpd.controller import Controller

            class Inbox:
                async def handle_DATA(inner, server, session, envelope):  # noqa: N805 - aiosmtpd's handler shape
                    self.mail.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
                    return "250 OK"

            self.smtp = Controller(Inbox(), hostname="127.0.0.1", port=free_port())
            self.smtp.start()
        else:
            self.notes.append("the e-mail plugin is not installed: offers are checked in the portal only")

    def cli(self, *args: str) -> str:
        done = subprocess.run([str(self.stand.path("/usr/local/sbin/jifen-manage")), *args], env=self.base_env(),
                              cwd=self.tmp, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"jifen-manage {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def make_accounts(self) -> None:
        """With the documented command line: a county administrator, and a reviewer of education made
        as an account first, then given the role."""
        self.admin = {"mobile": "13700000001", "id_number": id_number(1), "name": "张管理"}
        self.reviewer = {"mobile": "13700000002", "id_number": id_number(2), "name": "李审核"}
        for person in (self.admin, self.reviewer):
            self.cli("users", "create-admin", "--tenant", COUNTY, "--name", person["name"], "--id-number",
                     person["id_number"], "--mobile", person["mobile"], "--password", PASSWORD)
        assert "reviewer (education)" in self.cli("users", "set-role", "--tenant", COUNTY, self.reviewer["mobile"],
                                                  "reviewer", "--department", "education")

    def service_env(self, unit: dict[str, list[str]], name: str, host=None) -> tuple[dict[str, str], Path]:
        env = self.base_env()
        for path in unit.get("EnvironmentFile", []):
            env.update(env_file(self.stand.path(path.lstrip("-")).read_text(encoding="utf-8")))
        runtime = {}
        for directory in unit.get("RuntimeDirectory", []):
            own = self.tmp / name / "run" / directory
            own.mkdir(parents=True)
            runtime[f"/run/{directory}"] = str(own)
        for line in unit.get("Environment", []):
            for item in shlex.split(line):
                key, _, value = item.partition("=")
                for doc_dir, own_dir in runtime.items():
                    value = value.replace(doc_dir, own_dir)
                env[key] = self.stand.apply(value)
        env["JIFEN_INSTANCE_PATH"] = str(self.tmp / name / "instance")  # each its own: nothing local shared
        if host is not None and host.namespace:  # another host: the database and Redis over the network
            db = make_url(env["DATABASE_URL"])
            via = host.reach(db.host, db.port or 5432)
            env["DATABASE_URL"] = db.set(host=via[0], port=via[1]).render_as_string(hide_password=False)
            parts = urllib.parse.urlsplit(env["REDIS_URL"])
            via = host.reach(parts.hostname, parts.port or 6379)
            env["REDIS_URL"] = parts._replace(netloc=f"{via[0]}:{via[1]}").geturl()
        cwd = self.stand.path(unit["WorkingDirectory"][0]) if unit.get("WorkingDirectory") else self.tmp
        return env, cwd

    def start_services(self) -> None:
        web = unit_file(self.blocks["jifen-web.service"])
        argv = command_of(web, self.stand)
        bind = argv.index("--bind")
        doc_bind = argv[bind + 1]
        upstream = re.search(r"upstream jifen \{\s*server ([^;\s]+);", self.blocks["nginx"])
        assert upstream and upstream.group(1) == doc_bind, "nginx's upstream is not where gunicorn binds"
        self.proxy_headers = nginx_proxy_headers(self.blocks["nginx"])
        pg = (self.admin_url.host, self.admin_url.port or 5432)
        self.hosts = Hosts([pg, self.redis_base])
        for host in self.hosts.hosts:
            port = int(doc_bind.rsplit(":", 1)[1]) if host.namespace else free_port()
            command = [*argv[:bind + 1], f"{host.address}:{port}", *argv[bind + 2:]]
            env, cwd = self.service_env(web, f"server-{host.name}", host)
            process = self.processes.start(f"server-{host.name}", host.wrap(command), env, cwd)
            self.servers[host.name] = Server(host.name, host, port, process)
        for unit_name, name in (("jifen-worker@.service", "worker"), ("jifen-scheduler.service", "scheduler")):
            unit = unit_file(self.blocks[unit_name])
            env, cwd = self.service_env(unit, name)
            self.processes.start(name, command_of(unit, self.stand), env, cwd)
        for server in self.servers.values():
            wait_for(lambda s=server: self.health(s)["database"] == "ok", f"server {server.name} answering /healthz",
                     timeout=180, alive=self.alive)

    def alive(self) -> None:
        dead = [p for p in self.processes.started if p.popen.poll() is not None]
        assert not dead, f"{[p.name for p in dead]} stopped:\n{self.processes.tails()}"

    def health(self, server: Server) -> dict:
        import http.client

        connection = http.client.HTTPConnection(server.address, server.port, timeout=10)
        try:
            connection.request("GET", "/healthz", headers={"Accept": "application/json"})
            answer = connection.getresponse()
            return json.loads(answer.read())
        finally:
            connection.close()

    # ----------------------------------------------------------------- the one shortcut

    def calendar_moves_on(self, statement: str, **values) -> None:
        """The days the pages wait for have passed: one date moved into the past, as the owner."""
        engine = create_engine(self.owner_url())
        try:
            with engine.begin() as conn:
                changed = conn.execute(text(statement), values).rowcount
        finally:
            engine.dispose()
        assert changed == 1, f"{statement} changed {changed} rows"

    # ----------------------------------------------------------------- the end

    def backup_and_restore(self) -> str:
        script = self.stand.path("/usr/local/sbin/jifen-backup")
        run_script(str(script), {**self.base_env(), **self.pg_env()}, self.tmp, "jifen-backup")
        dumps = list(self.stand.path("/var/backups/jifen").glob("*.dump"))
        assert len(dumps) == 1 and dumps[0].stat().st_size > 0, dumps
        return run_script(self.stand.apply(self.blocks["restore"]), self.shell_env(), self.tmp, "restore")

    def close(self) -> None:
        errors = []
        for step in (self.processes.stop_all, self._close_hosts, self._close_mail, self._drop_database,
                     self._delete_redis_keys):
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - clean up the rest, then say what failed
                errors.append(f"{step.__name__}: {exc!r}")
        assert not errors, f"cleaning up: {errors}"

    def _close_hosts(self) -> None:
        if self.hosts is not None:
            self.hosts.close()

    def _close_mail(self) -> None:
        if self.smtp is not None:
            self.smtp.stop()

    def _drop_database(self) -> None:
        if not self.made_database:
            return
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                for name in (self.stand.names["jifen_restore_check"], self.stand.database):
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                for role in (self.stand.names["jifen_app"], self.stand.names["jifen_owner"]):
                    conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        finally:
            engine.dispose()

    def _delete_redis_keys(self) -> None:
        import redis

        connection = redis.Redis.from_url(self.redis_url, socket_connect_timeout=2)
        for key in connection.keys("*"):
            if key not in self.redis_keys_before or self.queue.encode() in key:
                connection.delete(key)
        for key in (b"rq:queues", b"rq:workers"):
            if key in self.redis_keys_before:
                for member in connection.smembers(key):
                    if self.queue.encode() in member or b"journey" in member:
                        connection.srem(key, member)

    def report(self) -> str:
        logs = self.processes.tails()
        return f"hosts: {self.hosts.mode if self.hosts else 'not started'}\n{logs}"


# --------------------------------------------------------------------------- the journey's steps


def expect(response: Response, status: int | tuple[int, ...], what: str) -> Response:
    wanted = status if isinstance(status, tuple) else (status,)
    assert response.status in wanted, f"{what}: {response.status} (wanted {wanted})\n{response.text[:1500]}"
    return response


def register(person: Browser, server: Server, who: dict) -> None:
    done = person.submit(server, f"/{COUNTY}/register", {"real_name": who["name"], "id_number": who["id_number"],
                                                         "mobile": who["mobile"], "password": PASSWORD, "confirm": PASSWORD})
    expect(done, 302, f"{person.name} registers on {server.name}")
    session = person.cookie("session")
    assert session is not None and session.secure and session.has_nonstandard_attr("HttpOnly"), \
        "production's session cookie is Secure and HttpOnly"
    person.get(server, f"/{COUNTY}/?lang=en")


def prove_education(person: Browser, server: Server, level: str, address: str) -> int:
    """Profile (with an e-mail address for messages, in English), an education item, its PDF, submitted."""
    expect(person.submit(server, f"/{COUNTY}/me/profile", {
        "works_in_county_since": "2019-03-01", "employer": "嘉善某电子厂", "town": TOWN, "has_residence_permit": "y",
        "email": address, "language": "en"}), 302, f"{person.name}'s profile")
    declared = expect(person.submit(server, f"/{COUNTY}/me/items/new/education", {
        "level": level, "institution": "嘉兴学院", "graduated_on": "2012-06-30"}), 302, f"{person.name} declares")
    item = int(declared.location.rstrip("/").split("/")[-1])
    expect(person.submit(server, f"/{COUNTY}/me/items/{item}", action=f"/{COUNTY}/me/items/{item}/evidence",
                         files={"file": ("diploma.pdf", PDF, "application/pdf")}), 302, f"{person.name} uploads")
    expect(person.submit(server, f"/{COUNTY}/me/submit", {"declaration": "y"}), 302, f"{person.name} submits")
    assert 'data-status="submitted"' in person.get(server, f"/{COUNTY}/me/").text
    return item


def review(reviewer: Browser, server: Server, item: int) -> None:
    queue = expect(reviewer.get(server, f"/{COUNTY}/review/"), 200, f"the review queue on {server.name}")
    assert f'data-item="{item}"' in queue.text, f"item {item} is not in the queue on {server.name}"
    page = expect(reviewer.get(server, f"/{COUNTY}/review/items/{item}"), 200, "the item's page").text
    files = re.findall(rf'href="(/{COUNTY}/review/evidence/\d+)"', page)
    assert len(files) == 1, f"one evidence file listed: {files}"
    download = expect(reviewer.get(server, files[0]), 200, f"the evidence file on {server.name}")
    assert download.body == PDF, "the bytes served are the ones stored through the other server"
    assert hashlib.sha256(download.body).hexdigest() in page
    assert download.header("Cache-Control") == "no-store"
    expect(reviewer.submit(server, f"/{COUNTY}/review/items/{item}", {"decision": "verified", "reason": ""}), 302,
           "the reviewer verifies")


def offer_on(person: Browser, server: Server) -> tuple[str, str] | None:
    page = person.get(server, f"/{COUNTY}/programs/hukou_transfer").text
    found = re.search(r'data-offer="(\d+)" data-status="(\w+)"', page)
    return (found.group(1), found.group(2)) if found else None


def mail_to(deployment: Deployment, address: str, subject: str):
    return next((m for m in deployment.mail if m["To"] == address and subject in str(m["Subject"])), None)


def test_production_journey_on_two_servers(tmp_path, request):
    if "postgresql" not in request.config.getoption("--jifen-databases"):
        pytest.skip("PostgreSQL not among --jifen-databases / JIFEN_TEST_DATABASES")
    from jifen.testing.databases import PG_ADMIN_URL

    for tool in ("bash", "psql", "pg_dump", "pg_restore", "createdb", "dropdb"):
        if shutil.which(tool) is None:
            unavailable(f"{tool} is not installed (PostgreSQL's client programs are needed)")
    admin_url = make_url(PG_ADMIN_URL)
    if not admin_url.host:
        unavailable(f"JIFEN_TEST_PG_URL names no TCP host: {admin_url.render_as_string()}")
    try:
        engine = create_engine(admin_url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        unavailable(f"PostgreSQL not reachable at {admin_url.render_as_string()}: {type(exc).__name__}")
    processes_before = Processes(tmp_path / "redis-logs")
    redis_base = redis_server(processes_before, tmp_path)

    deployment = Deployment(tmp_path / "deployment", PG_ADMIN_URL, redis_base)
    try:
        deployment.start()
        print(f"\njourney: application servers in {deployment.hosts.mode}"
              f"{' (' + deployment.hosts.reason + ')' if deployment.hosts.reason else ''}; "
              + "; ".join(deployment.notes))
        request.node.user_properties.append(("hosts", deployment.hosts.mode))
        journey(deployment)
        restored = deployment.backup_and_restore()
        assert all(revision in restored for revision in deployment.revisions), restored
        assert f"{COUNTY}: " in restored and "chain verifies" in restored, restored
    except BaseException:
        print(deployment.report())
        raise
    finally:
        try:
            deployment.close()
        finally:
            processes_before.stop_all()


def redis_server(processes: Processes, tmp: Path) -> tuple[str, int]:
    """The Redis of JIFEN_TEST_REDIS_URL (host and port; the test uses database 11), or a private
    redis-server when none answers and one is installed."""
    import redis

    parts = urllib.parse.urlsplit(os.environ.get("JIFEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/9"))
    base = (parts.hostname or "127.0.0.1", parts.port or 6379)
    try:
        redis.Redis(host=base[0], port=base[1], socket_connect_timeout=1).ping()
        return base
    except redis.RedisError as exc:
        if shutil.which("redis-server") is None:
            unavailable(f"Redis not reachable at {base[0]}:{base[1]} ({exc}) and redis-server is not installed")
    port = free_port()
    (tmp / "redis").mkdir()
    processes.start("redis-server", ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                     "--appendonly", "no", "--dir", str(tmp / "redis")], dict(os.environ))
    wait_for(lambda: redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1).ping(), "a private Redis",
             timeout=30)
    return ("127.0.0.1", port)


def journey(d: Deployment) -> None:
    a, b = d.servers["A"], d.servers["B"]
    people = {name: Browser(name, d.public_host, f"203.0.113.{n}", d.proxy_headers)
              for n, name in enumerate(("first applicant", "second applicant", "reviewer", "administrator"), 10)}
    first, second, reviewer, admin = people.values()
    emails = {first: "chen.xinmin@example.test", second: "wang.fangfang@example.test"}
    tz = ZoneInfo("Asia/Shanghai")  # JIFEN_TIME_ZONE's default: the counties' calendar
    today = datetime.now(tz).date()

    # Two applicants, each proving an item through one server; the reviewer decides on the other.
    register(first, a, {"name": "陈新民", "id_number": id_number(3), "mobile": "13700000003"})
    register(second, b, {"name": "王芳芳", "id_number": id_number(4), "mobile": "13700000004"})
    first_item = prove_education(first, a, "bachelor", emails[first])
    second_item = prove_education(second, b, "college", emails[second])
    expect(reviewer.submit(b, f"/{COUNTY}/login", {"mobile": d.reviewer["mobile"], "password": PASSWORD}), 302,
           "the reviewer logs in on B")
    review(reviewer, b, first_item)
    review(reviewer, a, second_item)
    assert 'data-total="80.00"' in first.get(b, f"/{COUNTY}/me/").text  # confirmed, seen from the other server
    assert 'data-total="60.00"' in second.get(a, f"/{COUNTY}/me/").text
    for server in d.servers.values():  # no server wrote an evidence file to its own folders
        stored = [p for p in (d.tmp / f"server-{server.name}").rglob("*") if p.is_file() and PDF in p.read_bytes()]
        assert not stored, stored

    # The round: created on A, applied for on A and B.
    expect(admin.submit(a, f"/{COUNTY}/login", {"mobile": d.admin["mobile"], "password": PASSWORD}), 302,
           "the administrator logs in on A")
    admin.get(a, f"/{COUNTY}/?lang=en")
    created = expect(admin.submit(a, f"/{COUNTY}/admin/programs/hukou_transfer/rounds/new", {
        "name": "2026 journey round", "opens_on": today.isoformat(), "closes_on": (today + timedelta(days=30)).isoformat(),
        "quota": "1"}), 302, "the administrator creates a round")
    round_page = created.location
    round_id = int(round_page.rstrip("/").split("/")[-1])
    program = f"/{COUNTY}/programs/hukou_transfer"
    expect(first.submit(a, program, {"town": TOWN}, action=f"{program}/apply"), 302, "the first applicant applies on A")
    expect(second.submit(b, program, {"town": TOWN}, action=f"{program}/apply"), 302, "the second applies on B")
    assert 'data-applications="2"' in admin.get(b, round_page).text

    # The ranking: asked for on B, run by the worker, followed on A.
    d.calendar_moves_on("UPDATE program_rounds SET opens_on = :opens, closes_on = :closes WHERE id = :id",
                        opens=today - timedelta(days=31), closes=today - timedelta(days=1), id=round_id)
    asked = expect(admin.submit(b, round_page, action=f"/{COUNTY}/admin/rounds/{round_id}/run"), 302,
                   "the ranking is asked for on B")
    assert asked.elapsed < 15, f"the request took {asked.elapsed:.1f} s: it should only queue the job"
    job_page = asked.location
    assert re.fullmatch(rf"/{COUNTY}/admin/jobs/\d+", job_page), job_page
    job_id = job_page.rsplit("/", 1)[1]
    finished = wait_for(lambda: (lambda page: page if 'data-job-state="finished"' in page else None)(
        admin.get(a, job_page).text), "the job page on A saying finished", timeout=120, alive=d.alive)
    worker_log = next(p for p in d.processes.started if p.name == "worker").text()
    assert f"jifen-{COUNTY}-{job_id}" in worker_log, f"the worker did not run job {job_id}:\n{worker_log[-2000:]}"
    run_id = re.search(r'data-run-id="(\d+)"', finished).group(1)

    # Publication as the pages allow it, then the offers.
    expect(admin.submit(a, round_page, action=f"/{COUNTY}/admin/runs/{run_id}/current"), 302, "the run made current")
    publish = f"/{COUNTY}/admin/rounds/{round_id}/publish"
    expect(admin.submit(b, round_page, {"confirm": "y"}, action=publish, where={"stage": "provisional"}), 302,
           "provisional list")
    # During the publication period the page offers no final list; the same post sent anyway is refused.
    _, forms = admin.forms(a, round_page)
    assert not [f for f in forms if f["action"] == publish and ["stage", "final"] in f["fields"]], forms
    early = expect(admin.forge(a, round_page, publish, {"stage": "final", "confirm": "y"}), 303,
                   "final list too early")
    assert "publication period runs until" in admin.get(a, early.location).text
    assert 'data-stage="provisional"' in admin.get(b, round_page).text
    d.calendar_moves_on("UPDATE publications SET ends_on = :ended WHERE round_id = :id AND stage = 'provisional'",
                        ended=today - timedelta(days=1), id=round_id)
    expect(admin.submit(b, round_page, {"confirm": "y"}, action=publish, where={"stage": "final"}), 302,
           "the final list")
    assert 'data-stage="final"' in admin.get(a, round_page).text
    expect(admin.submit(a, round_page, {"confirm": "y"}, action=f"/{COUNTY}/admin/rounds/{round_id}/offers"), 302,
           "the offers")
    offered = offer_on(first, b)
    assert offered is not None and offered[1] == "offered", offered
    assert offer_on(second, a) is None, "one place: the second applicant waits"
    assert "A place is offered to you" in first.get(a, f"/{COUNTY}/me/messages").text
    if d.smtp is not None:
        wait_for(lambda: mail_to(d, emails[first], "A place is offered to you"),
                 "the worker's e-mail of the offer at the test's SMTP server", timeout=90, alive=d.alive)

    # Timed work: the offer's deadline passes, the scheduler's tick expires it, the place passes on.
    d.calendar_moves_on("UPDATE offers SET deadline = :passed WHERE id = :id", passed=today - timedelta(days=1),
                        id=int(offered[0]))
    passed_on = wait_for(lambda: (lambda o: o if o and o[1] == "offered" else None)(offer_on(second, a)),
                         "the place passing to the second applicant by the scheduler", timeout=120, alive=d.alive)
    assert offer_on(first, b)[1] == "expired"
    expect(second.submit(b, f"{program}/offers/{passed_on[0]}/accept", {"confirm": "y"}), 302, "the second accepts")
    assert offer_on(second, a)[1] == "accepted"
    if d.smtp is not None:
        wait_for(lambda: mail_to(d, emails[second], "A place is offered to you")
                 and mail_to(d, emails[first], "Your offer has expired"), "the e-mails of the expiry", timeout=90,
                 alive=d.alive)
        message = mail_to(d, emails[first], "A place is offered to you")
        assert "Jiashan" in str(message["Subject"]) and message["From"].addresses[0].domain == "jifen.example.gov.cn"

    # Logging out on A ends the session on B too: the old cookie is anonymous there.
    old = first.copy_of_jar()
    expect(first.get(b, f"/{COUNTY}/me/", jar=old), 200, "the cookie works on B before logging out")
    expect(first.submit(a, f"/{COUNTY}/me/", action=f"/{COUNTY}/logout"), 302, "logging out on A")
    after = first.get(b, f"/{COUNTY}/me/", jar=old)
    assert after.status == 302 and after.location == f"/{COUNTY}/login", (after.status, after.location)

    # Both servers: the database, Redis and the queue (with its worker) are fine; /metrics is not public.
    for server in (a, b):
        health = d.health(server)
        assert health["status"] == "ok" and health["database"] == "ok" and health["redis"] == "ok", health
        assert health["queue"]["state"] == "ok" and health["queue"]["backend"] == "rq", health
        assert health["queue"]["workers"] >= 1, health
        assert first.get(server, "/metrics").status == 404
