"""What the production journey test needs around the application: docs/deployment.md's marked blocks,
the test's stand-ins for that page's names and paths, processes stopped by their pid, two network
namespaces acting as two hosts (or two ports on loopback), and a browser over plain HTTP that stands
where nginx's TLS ends.

Nothing here knows the application's pages; test_production_journey.py walks them.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import io
import os
import random
import re
import shlex
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENT_DOC = ROOT / "docs" / "deployment.md"
MARK = re.compile(r"^#\s*journey:\s*(\S+)\s*$")


# --------------------------------------------------------------------------- the page's blocks


def journey_blocks(text: str | None = None) -> dict[str, str]:
    """``name -> body`` of every fenced block of docs/deployment.md whose first (or, after a ``#!``
    line, second) line is ``# journey: name``."""
    text = DEPLOYMENT_DOC.read_text(encoding="utf-8") if text is None else text
    blocks: dict[str, str] = {}
    for match in re.finditer(r"^```[A-Za-z0-9_-]*\n(.*?)^```\s*$", text, flags=re.S | re.M):
        body = match.group(1)
        for line in body.splitlines()[:2]:
            found = MARK.match(line.strip())
            if found:
                name = found.group(1)
                assert name not in blocks, f"docs/deployment.md has two blocks named journey: {name}"
                blocks[name] = body
                break
    return blocks


def env_file(text: str) -> dict[str, str]:
    """``KEY=value`` lines as systemd's EnvironmentFile (and ``. file`` in sh) read them; comments skipped."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Z_][A-Z0-9_]*", key), f"not a KEY=value line: {line!r}"
        values[key] = value
    return values


def write_env_file(path: Path, values: dict[str, str]) -> None:
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")


def unit_file(text: str) -> dict[str, list[str]]:
    """The ``[Service]`` section of a systemd unit: ``key -> [values]`` (keys may repeat)."""
    section, found = None, {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        if section == "Service":
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def nginx_proxy_headers(text: str) -> dict[str, str]:
    """``header -> nginx variable`` of the ``proxy_set_header`` lines of the doc's nginx block."""
    return {name: value.strip() for name, value in re.findall(r"^\s*proxy_set_header\s+(\S+)\s+([^;]+);", text, re.M)}


# --------------------------------------------------------------------------- the test's stand-ins


@dataclass
class Stand:
    """The test's own values for what docs/deployment.md names: roles and databases (unique per run),
    folders under the test's temporary folder, the PostgreSQL of the test kit.

    :meth:`apply` rewrites a block of the page with them; the rules are few and plain on purpose, so
    that what runs is the page's text:

    * ``sudo -u postgres `` and ``sudo `` are dropped: the test runs as whoever runs it, and
      PostgreSQL's administrative connection comes from ``PGHOST``/``PGUSER``/... (the test kit's);
    * the database and role names of the page, as whole words, become the test's;
    * the page's folders become folders of the test (the virtualenv and the checkout are this one's);
    * ``127.0.0.1:5432`` becomes the test's PostgreSQL.
    """

    tmp: Path
    venv: Path
    pg_host: str
    pg_port: int
    tag: str = field(default_factory=lambda: f"{os.getpid()}_{uuid.uuid4().hex[:6]}")

    def __post_init__(self) -> None:
        self.names = {
            "jifen_db": f"jifen_journey_{self.tag}",
            "jifen_owner": f"jifen_journey_owner_{self.tag}",
            "jifen_app": f"jifen_journey_app_{self.tag}",
            "jifen_restore_check": f"jifen_journey_restore_{self.tag}",
        }
        self.folders = {
            "/opt/jifen/venv": str(self.venv),
            "/opt/jifen/app": str(ROOT),
            "/etc/jifen": str(self.tmp / "etc"),
            "/usr/local/sbin": str(self.tmp / "sbin"),
            "/var/backups/jifen": str(self.tmp / "backups"),
            "/var/lib/jifen": str(self.tmp / "var-lib"),
        }
        for folder in self.folders.values():
            Path(folder).mkdir(parents=True, exist_ok=True)

    @property
    def database(self) -> str:
        return self.names["jifen_db"]

    def apply(self, text: str) -> str:
        text = text.replace("sudo -u postgres ", "").replace("sudo ", "")
        for doc_name, own in self.names.items():
            text = re.sub(rf"\b{re.escape(doc_name)}\b", own, text)
        for doc_folder, own in self.folders.items():
            text = text.replace(doc_folder, own)
        return text.replace("127.0.0.1:5432", f"{self.pg_host}:{self.pg_port}")

    def path(self, doc_path: str) -> Path:
        return Path(self.apply(doc_path))


# --------------------------------------------------------------------------- processes


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Processes:
    """Every process the test starts, each in its own session; stopped by its pid (SIGTERM, then
    SIGKILL to its own process group), also when the test fails."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[Process] = []
        logs.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, argv: list[str], env: dict[str, str], cwd: Path | str | None = None) -> Process:
        log = self.logs / f"{name}.log"
        with open(log, "wb") as out:
            popen = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        process = Process(name, popen, log)
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.started):
            if process.popen.poll() is None:
                process.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in reversed(self.started):
            try:
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.popen.pid, signal.SIGKILL)  # the group this test made for it
                except ProcessLookupError:
                    pass
                process.popen.wait(timeout=10)

    def tails(self) -> str:
        return "\n\n".join(f"----- {p.name} (pid {p.popen.pid}, exit {p.popen.poll()}) -----\n{p.tail()}"
                           for p in self.started)


def run_script(script: str, env: dict[str, str], cwd: Path, what: str, timeout: float = 300) -> str:
    """A block of shell commands, run by bash with -e -u -o pipefail; its output, or an error naming it."""
    done = subprocess.run(["bash", "-e", "-u", "-o", "pipefail", "-c", script], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise AssertionError(f"the block `journey: {what}` of docs/deployment.md failed ({done.returncode}):\n"
                             f"{script}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}")
    return done.stdout + done.stderr


def wait_for(check: Callable[[], object], what: str, timeout: float = 90, every: float = 0.5,
             alive: Callable[[], None] | None = None):
    """Poll ``check()`` until it returns something true; its last error (or result) in the failure."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if alive is not None:
            alive()
        try:
            result = check()
            if result:
                return result
            last = result
        except (OSError, AssertionError, http.client.HTTPException) as exc:
            last = exc
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:.0f} s (last: {last!r})")


# --------------------------------------------------------------------------- two hosts


class Forwarder:
    """A TCP forwarder in the test process: ``listen`` (an address of the host's side of a veth) to
    ``target`` (PostgreSQL or Redis on 127.0.0.1), so that a server in a namespace reaches them the way
    a second machine reaches the database host."""

    def __init__(self, listen_host: str, target: tuple[str, int]) -> None:
        self.target = target
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((listen_host, 0))
        self.sock.listen(64)
        self.address = self.sock.getsockname()
        self.open: list[socket.socket] = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=10)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            self.open += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            try:
                sink.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def close(self) -> None:
        self.closed = True
        for s in (self.sock, *self.open):
            try:
                s.close()
            except OSError:
                pass


@dataclass
class Host:
    """Where an application server runs: a network namespace with its own address, or loopback."""

    name: str
    address: str  # the server binds here
    namespace: str | None = None
    gateway: str | None = None  # the host side of its veth: how it reaches the database and Redis
    forwards: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)  # target -> via

    def wrap(self, argv: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.namespace, *argv] if self.namespace else argv

    def reach(self, host: str, port: int) -> tuple[str, int]:
        """The address this host uses for a service at ``host:port`` of the test machine."""
        return self.forwards.get((host, port), (host, port))


class Hosts:
    """Two application hosts: two network namespaces joined to this one by veth pairs (``ip netns``,
    as root), or, where that is not possible, two ports on loopback. ``mode`` says which."""

    def __init__(self, services: list[tuple[str, int]]) -> None:
        self.tag = re.sub(r"[^0-9a-f]", "", uuid.uuid4().hex)[:6]
        self.namespaces: list[str] = []
        self.forwarders: list[Forwarder] = []
        self.services = services
        self.reason = ""
        self.hosts = self._namespaces() or self._loopback()
        self.mode = "network namespaces" if self.namespaces else "loopback"

    def _loopback(self) -> list[Host]:
        return [Host("A", "127.0.0.1"), Host("B", "127.0.0.1")]

    def _ip(self, *args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=20)

    def _namespaces(self) -> list[Host] | None:
        if os.geteuid() != 0:
            self.reason = "not root"
            return None
        try:
            used = subprocess.run(["ip", "-4", "addr"], capture_output=True, text=True, timeout=10).stdout
            used += subprocess.run(["ip", "-4", "route"], capture_output=True, text=True, timeout=10).stdout
            free = [k for k in range(16, 250) if f"10.213.{k}." not in used]
            k = random.choice(free)
            hosts = []
            for i, name in enumerate(("A", "B")):
                namespace = f"jifen-journey-{self.tag}-{name.lower()}"
                outside, inside = f"jjv{self.tag}{i}h", f"jjv{self.tag}{i}n"
                gateway, address = f"10.213.{k}.{4 * i + 1}", f"10.213.{k}.{4 * i + 2}"
                self._ip("netns", "add", namespace)
                self.namespaces.append(namespace)
                self._ip("link", "add", outside, "type", "veth", "peer", "name", inside, "netns", namespace)
                self._ip("addr", "add", f"{gateway}/30", "dev", outside)
                self._ip("link", "set", outside, "up")
                self._ip("-n", namespace, "addr", "add", f"{address}/30", "dev", inside)
                self._ip("-n", namespace, "link", "set", inside, "up")
                self._ip("-n", namespace, "link", "set", "lo", "up")
                host = Host(name, address, namespace, gateway)
                for target in self.services:
                    forwarder = Forwarder(gateway, target)
                    self.forwarders.append(forwarder)
                    host.forwards[target] = forwarder.address
                hosts.append(host)
            for host in hosts:  # can the host reach the test machine's services, and the test reach it?
                for via in host.forwards.values():
                    probe = f"import socket; socket.create_connection(({via[0]!r}, {via[1]}), 3).close()"
                    subprocess.run(host.wrap(["python3", "-c", probe]), check=True, capture_output=True, timeout=20)
            return hosts
        except (OSError, subprocess.SubprocessError, IndexError) as exc:
            detail = getattr(exc, "stderr", "") or exc
            self.reason = f"ip netns not usable here: {str(detail).strip()[:200]}"
            self.close()
            return None

    def close(self) -> None:
        for forwarder in self.forwarders:
            forwarder.close()
        self.forwarders = []
        for namespace in self.namespaces:
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True, timeout=20)
        self.namespaces = []


# --------------------------------------------------------------------------- the browser


class Forms(HTMLParser):
    """The forms of a page: action, method, enctype and the fields a browser would send as they are."""

    def __init__(self, page_path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: list | None = None
        self._textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            action = a.get("action") or self.page_path
            self._form = {"action": urllib.parse.urljoin(self.page_path, action), "method": a.get("method", "get").lower(),
                          "enctype": a.get("enctype", ""), "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            self._form["fields"].append([a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else "")])
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], None, None]  # name, first option, selected option
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select[1] is None:
                self._select[1] = value
            if "selected" in a:
                self._select[2] = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            name, first, chosen = self._select
            if self._form is not None and (chosen or first) is not None:
                self._form["fields"].append([name, chosen if chosen is not None else first])
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None:
                self._form["fields"].append(self._textarea)
            self._textarea = None


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    elapsed: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return urllib.parse.urlsplit(self.headers.get("Location", "")).path if self.headers.get("Location") else ""

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


@dataclass(frozen=True)
class Server:
    name: str
    host: Host
    port: int
    process: Process

    @property
    def address(self) -> str:
        return self.host.address


class Browser:
    """One person's browser on ``https://<public host>``: its cookie jar and language, behind the
    doc's nginx. Each request goes, over plain HTTP, to the server the test names (A or B), with the
    headers nginx would add (``proxy_set_header`` of the doc's block: Host, X-Forwarded-For with this
    person's address, X-Forwarded-Proto https). The jar sees https URLs, so it keeps and returns the
    ``Secure`` session cookie as a browser does over TLS, and sends a same-origin Referer with a form."""

    VARIABLES = ("$host", "$proxy_add_x_forwarded_for", "$remote_addr", "$scheme")

    def __init__(self, name: str, public_host: str, client_address: str, proxy_headers: dict[str, str]) -> None:
        self.name = name
        self.public_host = public_host
        self.client_address = client_address
        self.jar = http.cookiejar.CookieJar()
        self.forwarded = {}
        for header, variable in proxy_headers.items():
            if header.lower() == "connection":  # hop-by-hop, between nginx and gunicorn only
                continue
            value = {"$host": public_host, "$proxy_add_x_forwarded_for": client_address,
                     "$remote_addr": client_address, "$scheme": "https"}.get(variable)
            assert value is not None, f"the doc's nginx block sets {header} to {variable}: teach the test what it is"
            self.forwarded[header] = value

    def url(self, path: str) -> str:
        return f"https://{self.public_host}{path}"

    def request(self, server: Server, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None, jar: http.cookiejar.CookieJar | None = None) -> Response:
        jar = self.jar if jar is None else jar
        wanted = urllib.request.Request(self.url(path), method=method)
        jar.add_cookie_header(wanted)
        sent = {**self.forwarded, **(headers or {})}
        if wanted.has_header("Cookie"):
            sent["Cookie"] = wanted.get_header("Cookie")
        connection = http.client.HTTPConnection(server.address, server.port, timeout=60)
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            data = answer.read()
        finally:
            connection.close()
        jar.extract_cookies(answer, wanted)  # type: ignore[arg-type]
        return Response(answer.status, answer.headers, data, time.monotonic() - started)

    def get(self, server: Server, path: str, **kwargs) -> Response:
        return self.request(server, "GET", path, **kwargs)

    def forms(self, server: Server, page: str) -> tuple[Response, list[dict]]:
        response = self.get(server, page)
        assert response.status == 200, f"{self.name}: GET {page} on {server.name} answered {response.status}"
        parser = Forms(urllib.parse.urlsplit(page).path)
        parser.feed(response.text)
        return response, parser.forms

    def submit(self, server: Server, page: str, data: dict | None = None, *, action: str | None = None,
               where: dict | None = None, files: dict | None = None) -> Response:
        """Fill in the form of ``page`` whose action is ``action`` (default: the page itself) and whose
        fields include ``where``, as it came (CSRF token, hidden fields, defaults), with ``data`` on
        top, and post it to the same server, from that page."""
        _, forms = self.forms(server, page)
        target = action or urllib.parse.urlsplit(page).path
        chosen = [f for f in forms if f["action"] == target and f["method"] == "post"
                  and all([k, v] in f["fields"] for k, v in (where or {}).items())]
        assert chosen, (f"{self.name}: no form posting to {target} {where or ''} on {page} (forms: "
                        f"{[(f['action'], f['fields']) for f in forms]})")
        fields = [[k, v] for k, v in chosen[0]["fields"] if k not in (data or {})]
        for key, value in (data or {}).items():
            for item in (value if isinstance(value, list) else [value]):
                fields.append([key, item])
        headers = {"Referer": self.url(page), "Origin": f"https://{self.public_host}"}
        if files or chosen[0]["enctype"] == "multipart/form-data":
            body, content_type = multipart(fields, files or {})
        else:
            body, content_type = urllib.parse.urlencode([tuple(f) for f in fields]).encode(), "application/x-www-form-urlencoded"
        headers["Content-Type"] = content_type
        return self.request(server, "POST", target, body=body, headers=headers)

    def forge(self, server: Server, page: str, action: str, data: dict) -> Response:
        """Post ``data`` to ``action`` with the CSRF token of ``page``, as a stale page or a hand-made
        request would: for actions the page no longer offers."""
        _, forms = self.forms(server, page)
        token = next(v for f in forms for k, v in f["fields"] if k == "csrf_token")
        body = urllib.parse.urlencode({"csrf_token": token, **data}).encode()
        headers = {"Referer": self.url(page), "Origin": f"https://{self.public_host}",
                   "Content-Type": "application/x-www-form-urlencoded"}
        return self.request(server, "POST", action, body=body, headers=headers)

    def copy_of_jar(self) -> http.cookiejar.CookieJar:
        copy = http.cookiejar.CookieJar()
        for cookie in self.jar:
            copy.set_cookie(cookie)
        return copy

    def cookie(self, name: str):
        return next((c for c in self.jar if c.name == name), None)


def multipart(fields: list[list[str]], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = f"----journey{uuid.uuid4().hex}"
    out = io.BytesIO()
    for name, value in fields:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(str(value).encode() + b"\r\n")
    for name, (filename, content, content_type) in files.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: {content_type}\r\n\r\n".encode())
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def command_of(unit: dict[str, list[str]], stand: Stand, instance: str = "1") -> list[str]:
    """A unit's ExecStart as argv, with the test's folders and systemd's %i, %H and %%."""
    assert len(unit.get("ExecStart", [])) == 1, "a unit of the page needs one ExecStart"
    line = stand.apply(unit["ExecStart"][0])
    line = line.replace("%i", instance).replace("%H", "journey").replace("%%", "%")
    return shlex.split(line)
