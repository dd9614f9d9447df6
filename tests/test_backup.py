"""Backup a live gateway, restore it onto a fresh box, and refuse bad archives."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import tarfile
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from edge.backup import (
    BackupError,
    create_backup,
    prune_backups,
    restore_backup,
    verify_backup,
)
from edge.cli.main import main
from edge.config import load_config
from edge.doctor import Status, run_checks
from edge.models import Vote
from edge.provision import Layout, Request, fields, provision
from edge.store import Store
from edge.store.maintenance import content_digest
from edge.updates import current_version, install_model, onnx_self_test
from tests.provision.pki import downlink_key, make_ca, sign_csr
from tests.test_updates import GOOD, update
from tests.uplink.helpers import result_data

ROSTER = "seat,id,name\n1,s01,李华\n2,s02,王芳\n"


@pytest.fixture
def old_box(tmp_path: Path) -> Layout:
    """A provisioned gateway with certificates, a downloaded model and data."""
    folder = tmp_path / "install"
    folder.mkdir()
    (folder / "roster.csv").write_text(ROSTER, encoding="utf-8")
    ca_cert, ca_key = make_ca(folder / "ca")
    layout = Layout(tmp_path / "old")
    request = Request(
        city="shenzhen",
        school="nanshan-03",
        grade=8,
        klass="2",
        teacher_password="blackboard-42",
        roster_csv=folder / "roster.csv",
        broker=fields.broker("mqtts://mqtt.city.example"),
        ca_file=ca_cert,
        downlink_keys=(downlink_key(folder),),
        clickers=((1, "10002A"),),
    )
    provision(request, layout)
    signed = sign_csr(layout.csr_file, ca_cert, ca_key, folder / "gw.crt")
    provision(Request(certificate=signed), layout)
    install_model(layout.models_dir, update("v7", GOOD), onnx_self_test)
    store = Store(layout.db_file, "gw")
    try:
        with store.transaction():
            for n in range(50):
                store.enqueue("result", {"n": n, "student": "p-1"})
        store.add_votes(
            [
                (
                    Vote("0010002A", "B", n, -50, 1_780_000_000_000 + n, "poll-1"),
                    "s01",
                    True,
                )
                for n in range(20)
            ]
        )
    finally:
        store.close()
    return layout


def test_backup_then_restore_on_a_new_box_gives_identical_data(
    old_box: Layout, tmp_path: Path
) -> None:
    archive = tmp_path / "backup.tar.gz"
    summary = create_backup(old_box.config_file, archive)
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    assert summary.schema_version and "data/gateway.db" in summary.files
    verify_backup(archive)

    new = Layout(tmp_path / "new")
    restored = restore_backup(archive, new)

    assert restored.gateway_id == "shenzhen-nanshan-03-8-2"
    assert content_digest(new.db_file) == content_digest(old_box.db_file)
    config = load_config(new.config_file)
    assert config.db == new.db_file
    uplink = config.section("uplink")
    for key in ("ca_file", "cert_file", "key_file"):
        path = Path(uplink[key])
        assert path.parent == new.tls_dir
        assert path.read_bytes() == (old_box.tls_dir / path.name).read_bytes()
    assert all(Path(p).parent == new.tls_dir for p in uplink["downlink_keys"])
    assert current_version(new.models_dir, "recognizer") == "v7"
    assert new.chart_html.read_text("utf-8") == old_box.chart_html.read_text("utf-8")
    findings = run_checks(new.config_file, only=["config", "database", "certificate"])
    assert {f.status for f in findings} == {Status.OK}, findings


def test_backup_of_a_busy_store_is_consistent(old_box: Layout, tmp_path: Path) -> None:
    stop = threading.Event()

    def writer() -> None:
        store = Store(old_box.db_file, "gw")
        try:
            while not stop.is_set():
                store.enqueue("result", result_data(0))
        finally:
            store.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        archive = create_backup(old_box.config_file, tmp_path / "busy.tar.gz").archive
    finally:
        stop.set()
        thread.join()
    verify_backup(Path(archive))


def test_restore_refuses_to_overwrite_without_force(
    old_box: Layout, tmp_path: Path
) -> None:
    archive = tmp_path / "b.tar.gz"
    create_backup(old_box.config_file, archive)
    target = Layout(tmp_path / "target")
    provision(
        Request(
            city="x", school="y", grade=1, klass="1", teacher_password="pass-word-1"
        ),
        target,
    )
    before = target.db_file.read_bytes()
    with pytest.raises(BackupError, match="already exists"):
        restore_backup(archive, target)
    assert target.db_file.read_bytes() == before

    summary = restore_backup(archive, target, force=True)
    assert any("gateway.db.before-restore-" in p for p in summary.moved_aside)
    assert any("gateway.toml.before-restore-" in p for p in summary.moved_aside)
    assert load_config(target.config_file).gateway_id == "shenzhen-nanshan-03-8-2"


def rebuild(
    archive: Path, out: Path, change: Callable[[dict[str, bytes]], None], fix_sums: bool
) -> Path:
    """Copy an archive with members changed; optionally make the sums match."""
    with tarfile.open(archive) as tar:
        members = {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
        }
    change(members)
    if fix_sums:
        manifest = json.loads(members["manifest.json"])
        for name in list(manifest["files"]):
            if name in members:
                data = members[name]
                manifest["files"][name] = {
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "size": len(data),
                }
        members["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(out, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def flip_db_byte(members: dict[str, bytes]) -> None:
    data = bytearray(members["data/gateway.db"])
    data[len(data) // 2] ^= 0xFF
    members["data/gateway.db"] = bytes(data)


def newer_schema(members: dict[str, bytes], tmp: Path) -> None:
    path = tmp / "db"
    path.write_bytes(members["data/gateway.db"])
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (99, 0)")
    members["data/gateway.db"] = path.read_bytes()


def traversal(members: dict[str, bytes]) -> None:
    manifest = json.loads(members["manifest.json"])
    manifest["files"]["tls/../../../etc/passwd"] = {"sha256": "0", "size": 1}
    members["manifest.json"] = json.dumps(manifest).encode()


def more_data(members: dict[str, bytes], tmp: Path) -> None:
    path = tmp / "db2"
    path.write_bytes(members["data/gateway.db"])
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM votes WHERE id = 1")
    members["data/gateway.db"] = path.read_bytes()


@pytest.mark.parametrize(
    ("change", "fix_sums", "message"),
    [
        (flip_db_byte, False, "does not match the manifest"),
        (lambda m: m.pop("config/gateway.toml"), False, "listed but missing"),
        (lambda m: m.update({"manifest.json": b"{"}), False, "no readable manifest"),
        (lambda m: m.update({"manifest.json": b'{"format": 9}'}), False, "format 1"),
        (traversal, False, "not acceptable"),
        ("newer_schema", True, "newer than this gateway"),
        ("more_data", True, "differs from its manifest"),
    ],
)
def test_damaged_or_crafted_archives_are_refused(
    old_box: Layout, tmp_path: Path, change: object, fix_sums: bool, message: str
) -> None:
    good = tmp_path / "good.tar.gz"
    create_backup(old_box.config_file, good)
    if change == "newer_schema":
        change = lambda m: newer_schema(m, tmp_path)  # noqa: E731
    elif change == "more_data":
        change = lambda m: more_data(m, tmp_path)  # noqa: E731
    bad = rebuild(good, tmp_path / "bad.tar.gz", change, fix_sums)  # type: ignore[arg-type]
    target = Layout(tmp_path / "target")

    with pytest.raises(BackupError, match=message):
        restore_backup(bad, target)
    assert not target.config_file.exists()
    assert not target.db_file.exists()
    assert not (tmp_path / "etc").exists()


def test_not_an_archive(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not gzip at all")
    with pytest.raises(BackupError, match="not a readable backup"):
        verify_backup(junk)


def test_backup_refuses_a_damaged_store(old_box: Layout, tmp_path: Path) -> None:
    data = bytearray(old_box.db_file.read_bytes())
    data[4096 + 50 : 4096 * 3] = b"\x00\xff" * ((4096 * 2 - 50) // 2)
    old_box.db_file.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="damaged"):
        create_backup(old_box.config_file, tmp_path / "x.tar.gz")
    assert not (tmp_path / "x.tar.gz").exists()


def test_prune_keeps_the_newest(tmp_path: Path) -> None:
    for stamp in ("20260101-000000", "20260102-000000", "20260103-000000"):
        (tmp_path / f"gw-{stamp}.tar.gz").touch()
    (tmp_path / "other-20250101-000000.tar.gz").touch()
    gone = prune_backups(tmp_path, "gw", 2)
    assert [p.name for p in gone] == ["gw-20260101-000000.tar.gz"]
    assert (tmp_path / "other-20250101-000000.tar.gz").exists()


def test_command_line(
    old_box: Layout, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(old_box.config_file)
    assert main(["backup", "create", "--config", config, "--keep", "3", "--json"]) == 0
    created = json.loads(capsys.readouterr().out)
    archive = Path(created["archive"])
    assert archive.parent == old_box.backups_dir
    usb = tmp_path / "usb"
    usb.mkdir()
    assert (
        main(
            [
                "backup",
                "create",
                "--config",
                config,
                "--output",
                str(tmp_path / "b.tar.gz"),
                "--copy-to",
                str(usb),
            ]
        )
        == 0
    )
    assert "backup written" in capsys.readouterr().out
    assert (usb / "b.tar.gz").read_bytes() == (tmp_path / "b.tar.gz").read_bytes()

    assert main(["backup", "verify", str(archive)]) == 0
    assert "backup is intact" in capsys.readouterr().out
    new_root = tmp_path / "fresh"
    assert (
        main(["backup", "restore", str(archive), "--root", str(new_root), "--json"])
        == 0
    )
    restored = json.loads(capsys.readouterr().out)
    assert restored["gateway_id"] == "shenzhen-nanshan-03-8-2"
    assert (new_root / "var/lib/edge-gateway/gateway.db").exists()
    assert main(["backup", "restore", str(archive), "--root", str(new_root)]) == 2
    assert "already exists" in capsys.readouterr().err
