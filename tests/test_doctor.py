"""``doctor`` on a healthy gateway and on each way one can be broken.

Real files, a real SQLite store, a real mosquitto with TLS, certificates made
with ``cryptography``, a pseudo-terminal as the clicker port. Only the OS
facts (sysfs, /dev, /run, the clock) come from prepared folders.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from edge.backup import create_backup, default_archive_name
from edge.cli.main import main
from edge.config import load_config
from edge.doctor import Finding, Status, run_checks, worst
from edge.provision import Layout, Request, provision
from edge.provision.osprobe import Probes
from edge.store import Store
from tests.provision.pki import make_ca, server_cert, sign_csr
from tests.support.broker import Broker, Pki, free_port, mosquitto_or_skip

ROSTER = "seat,id,name\n" + "".join(f"{i},s{i:02d},学生{i}\n" for i in range(1, 17))


@dataclass
class Box:
    """A provisioned gateway under a temporary root, with fake OS folders."""

    layout: Layout
    probes: Probes
    ca: tuple[Path, Path]

    def check(self, *only: str, **limits: int) -> list[Finding]:
        return run_checks(self.layout.config_file, self.probes, only or None, **limits)

    def set_config(self, text: str) -> None:
        path = self.layout.config_file
        path.write_text(path.read_text("utf-8") + text, "utf-8")


def fake_os(folder: Path, adapters: int = 1) -> Probes:
    sys_dir, dev_dir, run_dir = folder / "sys", folder / "dev", folder / "run"
    for n in range(adapters):
        switch = sys_dir / "class/bluetooth" / f"hci{n}" / f"rfkill{n}"
        switch.mkdir(parents=True)
        (switch / "soft").write_text("0\n")
        (switch / "hard").write_text("0\n")
    # A live connection shows up beside its adapter and is not an adapter.
    (sys_dir / "class/bluetooth/hci0:64").mkdir(parents=True, exist_ok=True)
    dev_dir.mkdir()
    (run_dir / "systemd/timesync").mkdir(parents=True)
    (run_dir / "systemd/timesync/synchronized").touch()
    return Probes(sys_dir, dev_dir, run_dir, timeout_s=3.0)


@pytest.fixture
def pty_port() -> Iterator[str]:
    main_fd, sub_fd = os.openpty()
    try:
        yield os.ttyname(sub_fd)
    finally:
        os.close(main_fd)
        os.close(sub_fd)


@pytest.fixture
def box(tmp_path: Path, pty_port: str) -> Box:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    layout = Layout(tmp_path / "root")
    request = Request(
        city="shenzhen",
        school="nanshan-03",
        grade=8,
        klass="2",
        teacher_password="blackboard-42",
        roster_csv=roster,
    )
    provision(request, layout)
    box = Box(layout, fake_os(tmp_path / "os"), make_ca(tmp_path / "ca"))
    box.set_config(f'\n[clicker]\nport = "{pty_port}"\n')
    return box


def statuses(findings: list[Finding]) -> dict[str, set[Status]]:
    result: dict[str, set[Status]] = {}
    for f in findings:
        result.setdefault(f.check, set()).add(f.status)
    return result


def failing(findings: list[Finding], check: str) -> Finding:
    found = [f for f in findings if f.check == check and f.status is Status.FAIL]
    assert found, findings
    assert found[0].fix, found[0]
    return found[0]


def test_healthy_box_without_broker(box: Box) -> None:
    findings = box.check()
    states = statuses(findings)
    assert states["bluetooth"] == {Status.OK}
    assert states["clicker"] == {Status.OK}
    assert states["broker"] == {Status.WARN}  # no broker configured yet
    assert states["certificate"] == {Status.SKIP}
    assert states["backup"] == {Status.WARN}  # none made yet
    for name in ("config", "clock", "disk", "database", "models"):
        assert states[name] == {Status.OK}, findings
    assert worst(findings) is Status.WARN


@pytest.fixture
def online(box: Box, tmp_path: Path) -> Iterator[tuple[Box, Broker]]:
    mosquitto_or_skip()
    ca_cert, ca_key = box.ca
    cert, key = server_cert(tmp_path / "ca", ca_cert, ca_key)
    folder = tmp_path / "broker"
    folder.mkdir()
    broker = Broker(folder, Pki(tmp_path / "ca", ca_cert, cert, key))
    broker.start()
    try:
        provision(Request(broker=_broker(broker.url), ca_file=ca_cert), box.layout)
        signed = sign_csr(box.layout.csr_file, ca_cert, ca_key, tmp_path / "gw.crt")
        provision(Request(certificate=signed), box.layout)
        yield box, broker
    finally:
        broker.stop()


def _broker(url: str) -> object:
    from edge.provision import fields

    return fields.broker(url)


def test_healthy_box_online(online: tuple[Box, Broker]) -> None:
    box, _ = online
    create_backup(box.layout.config_file, box.layout.backups_dir / backup_name(box))
    findings = box.check()
    assert worst(findings) is Status.OK, findings
    broker = [f.summary for f in findings if f.check == "broker"]
    assert any("accepts the gateway" in s for s in broker)
    certificates = [f.summary for f in findings if f.check == "certificate"]
    assert any("broker certificate valid until" in s for s in certificates)
    assert any("gateway certificate" in s for s in certificates)


def test_broker_waiting_for_the_certificate(box: Box) -> None:
    provision(Request(broker=_broker("mqtts://127.0.0.1:8883")), box.layout)
    finding = box.check("broker")[0]
    assert finding.status is Status.WARN
    assert "waits for the gateway's certificate" in finding.summary
    assert "gateway.csr" in finding.fix


def test_broker_unreachable(box: Box, tmp_path: Path) -> None:
    signed = sign_csr(box.layout.csr_file, *box.ca, tmp_path / "gw.crt")
    url = f"mqtts://127.0.0.1:{free_port()}"
    provision(
        Request(broker=_broker(url), ca_file=box.ca[0], certificate=signed),
        box.layout,
    )
    finding = failing(box.check("broker"), "broker")
    assert "connect" in finding.summary
    assert "firewall" in finding.fix


def test_broker_not_trusted(online: tuple[Box, Broker], tmp_path: Path) -> None:
    box, _ = online
    other_ca, _ = make_ca(tmp_path / "other", "another CA")
    box.layout.ca_file.write_bytes(other_ca.read_bytes())
    finding = failing(box.check("broker"), "broker")
    assert "broker certificate" in finding.summary
    assert "CA" in finding.fix


def test_expired_gateway_certificate(
    online: tuple[Box, Broker], tmp_path: Path
) -> None:
    box, _ = online
    ca_cert, ca_key = box.ca
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=100)
    expired = sign_csr(
        box.layout.csr_file, ca_cert, ca_key, tmp_path / "old.crt", long_ago, 30
    )
    box.layout.cert_file.write_bytes(expired.read_bytes())

    findings = box.check("broker", "certificate")

    assert "expired" in failing(findings, "certificate").summary
    # mosquitto refuses the expired certificate during the handshake.
    assert failing(findings, "broker").fix


def test_certificate_expiring_soon_warns(box: Box, tmp_path: Path) -> None:
    provision(
        Request(broker=_broker("mqtts://127.0.0.1:1"), ca_file=box.ca[0]), box.layout
    )
    soon = sign_csr(box.layout.csr_file, *box.ca, tmp_path / "soon.crt", None, 10)
    provision(Request(certificate=soon), box.layout)
    findings = [f for f in box.check("certificate") if f.status is Status.WARN]
    assert findings and "expires in" in findings[0].summary


@pytest.mark.parametrize(
    ("switch", "value", "words"),
    [("soft", "1", "rfkill unblock"), ("hard", "1", "hardware switch")],
)
def test_blocked_adapter(box: Box, switch: str, value: str, words: str) -> None:
    path = box.probes.sys_dir / "class/bluetooth/hci0/rfkill0" / switch
    path.write_text(value)
    finding = failing(box.check("bluetooth"), "bluetooth")
    assert words in finding.fix or words in finding.summary


def test_no_adapter(box: Box, tmp_path: Path) -> None:
    box.probes = replace(box.probes, sys_dir=tmp_path / "empty")
    assert "dtoverlay=disable-bt" in failing(box.check("bluetooth"), "bluetooth").fix


def test_too_many_pens_for_the_adapters(box: Box) -> None:
    pens = tuple((i, f"9C:7B:D2:00:00:{i:02X}") for i in range(1, 17))
    provision(Request(pens=pens), box.layout)
    warn = [f for f in box.check("bluetooth") if f.status is Status.WARN]
    assert warn and "16 pens" in warn[0].summary
    assert "until there are 3" in warn[0].fix


def test_clicker_port_missing_or_unusable(box: Box, tmp_path: Path) -> None:
    box.set_config("")
    text = box.layout.config_file.read_text("utf-8")
    gone = text.replace("[clicker]\nport = ", '[clicker]\nport = "/dev/ttyGONE" # ')
    box.layout.config_file.write_text(gone)
    assert "does not exist" in failing(box.check("clicker"), "clicker").summary

    folder = tmp_path / "not-a-port"
    folder.mkdir()
    box.layout.config_file.write_text(
        text.replace("[clicker]\nport = ", f'[clicker]\nport = "{folder}" # ')
    )
    assert "dialout" in failing(box.check("clicker"), "clicker").fix


def test_clicker_auto_detection(box: Box) -> None:
    text = box.layout.config_file.read_text("utf-8")
    box.layout.config_file.write_text(text.split("[clicker]")[0])
    assert statuses(box.check("clicker"))["clicker"] == {Status.WARN}
    (box.probes.dev_dir / "ttyACM0").touch()
    findings = box.check("clicker")
    assert findings[0].status is Status.OK and "ttyACM0" in findings[0].summary
    box.set_config("\n[clicker]\nenabled = false\n")
    assert statuses(box.check("clicker"))["clicker"] == {Status.SKIP}


def test_clock(box: Box) -> None:
    old = replace(box.probes, now=lambda: dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    box.probes = old
    assert "1970-01-01" in failing(box.check("clock"), "clock").summary
    box.probes = replace(old, now=lambda: dt.datetime.now(dt.UTC))
    (box.probes.run_dir / "systemd/timesync/synchronized").unlink()
    warn = box.check("clock")[0]
    assert warn.status is Status.WARN and "timedatectl" in warn.fix


def test_disk_nearly_full(box: Box) -> None:
    finding = failing(box.check("disk", disk_fail_bytes=2**62), "disk")
    assert "backups" in finding.fix


def test_corrupt_database(box: Box) -> None:
    db = box.layout.db_file
    Store(db, "x").close()
    data = bytearray(db.read_bytes())
    page = 4096
    assert len(data) > 3 * page
    data[page + 100 : page * 3] = os.urandom(page * 2 - 100)
    db.write_bytes(bytes(data))
    finding = failing(box.check("database"), "database")
    assert "damaged" in finding.summary or "malformed" in finding.summary
    assert "backup restore" in finding.fix


def test_database_that_is_not_one(box: Box) -> None:
    box.layout.db_file.write_bytes(b"this is not a database" * 200)
    assert "backup restore" in failing(box.check("database"), "database").fix


def test_database_missing(box: Box) -> None:
    box.layout.db_file.unlink()
    finding = box.check("database")[0]
    assert finding.status is Status.WARN and "created" in finding.fix


def test_missing_and_broken_downloaded_models(box: Box) -> None:
    models = box.layout.models_dir
    (models / "recognizer/versions/v2").mkdir(parents=True)
    bad = models / "recognizer/versions/v2/symbols.onnx"
    bad.write_bytes(b"\x08\x07" + os.urandom(300))
    (models / "recognizer/current").symlink_to("versions/v2")
    finding = failing(box.check("models"), "models")
    assert "symbols.onnx" in finding.summary

    bad.parent.rename(bad.parent.with_name("v1"))
    finding = failing(box.check("models"), "models")
    assert "missing version" in finding.summary


def backup_name(box: Box) -> str:
    gateway_id = load_config(box.layout.config_file).gateway_id
    return default_archive_name(gateway_id, dt.datetime.now(dt.UTC))


def test_backup_age(box: Box) -> None:
    archive = box.layout.backups_dir / backup_name(box)
    create_backup(box.layout.config_file, archive)
    assert box.check("backup")[0].status is Status.OK
    week_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=7)
    os.utime(archive, (week_ago.timestamp(), week_ago.timestamp()))
    stale = box.check("backup")[0]
    assert stale.status is Status.WARN and "backup.timer" in stale.fix


def test_no_configuration(tmp_path: Path) -> None:
    findings = run_checks(tmp_path / "nope.toml", fake_os(tmp_path))
    assert "provision" in failing(findings, "config").fix
    assert statuses(findings)["database"] == {Status.SKIP}


def test_no_teacher_password(box: Box) -> None:
    text = box.layout.config_file.read_text("utf-8")
    lines = [x for x in text.splitlines() if "teacher_password_hash" not in x]
    box.layout.config_file.write_text("\n".join(lines) + "\n")
    assert "--teacher-password" in failing(box.check("config"), "config").fix


def test_command_line_json_and_exit_status(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["doctor", "--config", str(box.layout.config_file), "--json"]
    assert main([*args, "--only", "database", "--only", "disk"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "ok"
    assert {f["check"] for f in report["findings"]} == {"database", "disk"}

    box.layout.db_file.write_bytes(b"garbage" * 1000)
    assert main([*args, "--only", "database"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["findings"][0]["status"] == "fail"
    assert report["findings"][0]["fix"]

    assert (
        main(["doctor", "--config", str(box.layout.config_file), "--only", "database"])
        == 1
    )
    out = capsys.readouterr().out
    assert out.startswith("FAIL  database") and "fix: " in out
