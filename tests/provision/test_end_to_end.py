"""From nothing to the teacher's page: provision, run the service as systemd
would (with a notify socket and a watchdog), log in, stop."""

from __future__ import annotations

import http.cookiejar
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from edge.cli.main import main
from tests.support.broker import free_port


def receive_until(sock: socket.socket, wanted: str, timeout: float) -> list[str]:
    messages: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            messages.append(sock.recv(4096).decode())
        except TimeoutError:
            break
        if any(wanted in m for m in messages):
            return messages
    raise AssertionError(f"no {wanted} within {timeout} s: {messages}")


def login(port: int, password: str) -> int:
    # The form carries a token tied to the session cookie of the page that sent it.
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        NoRedirect, urllib.request.HTTPCookieProcessor(jar)
    )
    page = opener.open(f"http://127.0.0.1:{port}/login", timeout=10).read().decode()
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    data = urllib.parse.urlencode({"password": password, "csrf": csrf}).encode()
    try:
        response = opener.open(f"http://127.0.0.1:{port}/login", data, timeout=10)
    except urllib.error.HTTPError as exc:
        return exc.code
    return int(response.status)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_provisioned_gateway_serves_the_teacher_page(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("seat,id,name\n1,s01,李华\n", encoding="utf-8")
    root = tmp_path / "root"
    port = free_port()
    assert main([
        "provision", "--root", str(root), "--no-input", "--no-self-test",
        "--city", "shenzhen", "--school", "nanshan-03", "--grade", "8",
        "--class", "2", "--teacher-password", "blackboard-42",
        "--roster", str(roster), "--web-host", "127.0.0.1", "--web-port", str(port),
    ]) == 0  # fmt: skip

    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    env = dict(os.environ, NOTIFY_SOCKET=str(tmp_path / "notify"))
    env["WATCHDOG_USEC"] = "1000000"
    config = root / "etc/edge-gateway/gateway.toml"
    service = subprocess.Popen(
        [sys.executable, "-m", "edge.cli.main", "run", "--config", str(config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        ready = receive_until(notify, "READY=1", 90)
        assert any(f":{port}/" in m for m in ready), ready
        receive_until(notify, "WATCHDOG=1", 5)

        assert login(port, "wrong password") == 401
        assert login(port, "blackboard-42") == 302

        service.send_signal(signal.SIGTERM)
        receive_until(notify, "STOPPING=1", 30)
        assert service.wait(30) == 0
    finally:
        if service.poll() is None:
            service.kill()
            service.wait(10)
        notify.close()
        assert service.stderr is not None
        service.stderr.close()
