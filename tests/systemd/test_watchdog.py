"""sd_notify over a real unix datagram socket, as systemd listens for it."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.watchdog import Notifier


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(2)
    try:
        yield sock, path
    finally:
        sock.close()


def received(sock: socket.socket) -> list[str]:
    sock.setblocking(False)
    messages = []
    try:
        while True:
            messages.append(sock.recv(4096).decode())
    except BlockingIOError:
        return messages
    finally:
        sock.settimeout(2)


def env(path: str, usec: str = "2000000", pid: int | None = None) -> dict[str, str]:
    return {
        "NOTIFY_SOCKET": path,
        "WATCHDOG_USEC": usec,
        "WATCHDOG_PID": str(os.getpid() if pid is None else pid),
    }


def test_ready_status_and_stopping(listener: tuple[socket.socket, str]) -> None:
    sock, path = listener
    notifier = Notifier(env(path))
    assert notifier.enabled and notifier.interval_s == 2.0
    assert notifier.ready("serving 32 students")
    assert notifier.status("uplink offline")
    assert notifier.stopping()
    assert received(sock) == [
        "READY=1\nSTATUS=serving 32 students",
        "STATUS=uplink offline",
        "STOPPING=1\nSTATUS=stopping",
    ]


def test_heartbeat_pings_twice_per_interval_while_healthy(
    listener: tuple[socket.socket, str],
) -> None:
    sock, path = listener
    clock = Clock()
    notifier = Notifier(env(path), clock)
    healthy = True
    sent = []
    for _ in range(10):  # one call per 0.4 s for 4 s
        sent.append(notifier.heartbeat(lambda: healthy))
        clock.now += 0.4
    assert sent == [True, False, False, True, False, False, True, False, False, True]
    assert received(sock) == ["WATCHDOG=1"] * 4

    healthy = False  # a stalled worker: no more pings, systemd restarts us
    clock.now += 5
    assert not notifier.heartbeat(lambda: healthy)
    assert received(sock) == []


def test_abstract_socket(tmp_path: Path) -> None:
    name = f"edge-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(b"\0" + name.encode())
        sock.settimeout(2)
        assert Notifier({"NOTIFY_SOCKET": f"@{name}"}).ready()
        assert sock.recv(100) == b"READY=1\nSTATUS=serving"


def test_outside_systemd_everything_is_a_quiet_no_op(tmp_path: Path) -> None:
    notifier = Notifier({})
    assert not notifier.enabled
    assert not notifier.ready() and not notifier.heartbeat() and not notifier.ping()


def test_watchdog_meant_for_another_process_is_ignored(
    listener: tuple[socket.socket, str],
) -> None:
    _, path = listener
    assert Notifier(env(path, pid=os.getpid() + 1)).interval_s is None
    assert Notifier(env(path, usec="junk")).interval_s is None
    assert Notifier(env(path, usec="0")).interval_s is None


def test_a_vanished_socket_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    notifier = Notifier(env(str(tmp_path / "gone")))
    assert not notifier.ready()
    assert "cannot notify systemd" in caplog.text
