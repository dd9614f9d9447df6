"""Backup and restore of a gateway: the class's data and the box's identity.

A backup is one ``.tar.gz`` holding ``manifest.json`` (format, gateway id,
schema version, a digest of the data, and a SHA-256 and size per file), a
consistent snapshot of the store made with SQLite's online backup API (the
service may keep running), the configuration, the TLS and downlink key
files, the seating chart and the active downloaded models.

Restore never unpacks the archive blindly: it reads only the files the
manifest lists, checks each against its sum, checks the database's
integrity and data digest, and only then moves files into place. Paths in
the configuration are rewritten for the new box's layout.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import shutil
import tarfile
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from edge import __version__
from edge.config import Config, load_config
from edge.errors import EdgeError
from edge.provision.layout import Layout, share_with_service, write_atomic
from edge.provision.tomlwrite import dump_toml
from edge.store import maintenance
from edge.updates import current_dir

log = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024
# TLS files referenced by these [uplink] keys travel with the backup.
TLS_KEYS = ("ca_file", "cert_file", "key_file")


# The only names a backup may hold; anything else in a manifest is refused,
# so a crafted archive cannot write outside the gateway's folders.
_MEMBER = re.compile(
    r"(?:data/gateway\.db|config/gateway\.toml|tls/\w[\w.-]*"
    r"|state/seating-chart\.(?:svg|html)"
    r"|models/[a-z0-9][a-z0-9_-]*/\w[\w.-]*/\w[\w.-]*)",
    re.ASCII,
)


class BackupError(EdgeError):
    """A backup could not be made, or an archive cannot be restored."""


@dataclass
class BackupSummary:
    """What a backup or restore handled."""

    archive: str
    gateway_id: str
    schema_version: int | None
    files: list[str] = field(default_factory=list)
    moved_aside: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "archive": self.archive,
            "gateway_id": self.gateway_id,
            "schema_version": self.schema_version,
            "files": self.files,
            "moved_aside": self.moved_aside,
        }


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def default_archive_name(gateway_id: str, now: dt.datetime) -> str:
    """``<gateway>-<UTC time>.tar.gz``: sorts by time, says whose it is."""
    return f"{gateway_id}-{now:%Y%m%d-%H%M%S}.tar.gz"


def create_backup(
    config_path: Path, output: Path, now: dt.datetime | None = None
) -> BackupSummary:
    """Write a backup of the gateway that ``config_path`` describes."""
    config = load_config(config_path)
    now = now or dt.datetime.now(dt.UTC)
    if output.exists():
        raise BackupError(f"{output} already exists")
    with tempfile.TemporaryDirectory(prefix="edge-backup-") as tmp:
        snapshot = maintenance.backup_to(config.db, Path(tmp) / "gateway.db")
        members = _members(config_path, config, snapshot)
        manifest = _manifest(config, snapshot, members, now)
        _write_archive(output, manifest, members)
    log.info("backup of %s written to %s", config.gateway_id, output)
    return BackupSummary(
        str(output), config.gateway_id, manifest["schema_version"], sorted(members)
    )


def _members(config_path: Path, config: Config, snapshot: Path) -> dict[str, Path]:
    members = {"data/gateway.db": snapshot, "config/gateway.toml": config_path}
    uplink = config.section("uplink")
    for key in TLS_KEYS:
        if uplink.get(key):
            members[f"tls/{Path(uplink[key]).name}"] = Path(uplink[key])
    for key_path in uplink.get("downlink_keys", []):
        members[f"tls/{Path(key_path).name}"] = Path(key_path)
    state = config.db.parent
    for chart in state.glob("seating-chart.*"):
        members[f"state/{chart.name}"] = chart
    for name, folder in _active_models(config).items():
        for path in sorted(folder.iterdir()):
            members[f"models/{name}/{folder.name}/{path.name}"] = path
    missing = [str(p) for p in members.values() if not p.is_file()]
    if missing:
        raise BackupError(f"files named by the configuration are missing: {missing}")
    return members


def _active_models(config: Config) -> dict[str, Path]:
    from edge.updates import models_root_for

    root = models_root_for(config)
    if not root.is_dir():
        return {}
    found = {h.name: current_dir(root, h.name) for h in sorted(root.iterdir())}
    return {name: folder for name, folder in found.items() if folder is not None}


def _manifest(
    config: Config, snapshot: Path, members: dict[str, Path], now: dt.datetime
) -> dict[str, Any]:
    integrity = maintenance.integrity_check(snapshot)
    if not integrity.ok:
        raise BackupError(
            f"the database is damaged ({integrity.problems[0]}); "
            "back up the damaged file by hand and restore an older backup"
        )
    return {
        "format": FORMAT,
        "created_at": now.isoformat(),
        "gateway_id": config.gateway_id,
        "gateway_version": __version__,
        "schema_version": integrity.schema_version,
        "data_digest": maintenance.content_digest(snapshot),
        "files": {
            name: {"sha256": _sha256_file(path), "size": path.stat().st_size}
            for name, path in sorted(members.items())
        },
    }


def _write_archive(
    output: Path, manifest: dict[str, Any], members: dict[str, Path]
) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    try:
        # The archive holds the gateway's private key: owner only.
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1).encode())
            for name, path in sorted(members.items()):
                tar.add(path, arcname=name, recursive=False, filter=_plain)
            tar.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _plain(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def prune_backups(folder: Path, gateway_id: str, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups of this gateway in ``folder``."""
    archives = sorted(folder.glob(f"{gateway_id}-*.tar.gz"))
    doomed = archives[: max(0, len(archives) - keep)]
    for path in doomed:
        path.unlink()
    return doomed


@contextmanager
def _open_archive(archive: Path) -> Iterator[tuple[tarfile.TarFile, dict[str, Any]]]:
    try:
        tar = tarfile.open(archive, mode="r:gz")  # noqa: SIM115 (closed below)
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{archive}: not a readable backup: {exc}") from exc
    with tar:
        yield tar, _read_manifest(tar, archive)


def _read_manifest(tar: tarfile.TarFile, archive: Path) -> dict[str, Any]:
    try:
        handle = tar.extractfile(MANIFEST)
        manifest = json.loads(handle.read()) if handle else None
    except (KeyError, ValueError, tarfile.TarError, OSError) as exc:
        raise BackupError(f"{archive}: no readable {MANIFEST}: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive}: not a backup of format {FORMAT}")
    if not isinstance(manifest.get("files"), dict):
        raise BackupError(f"{archive}: manifest lists no files")
    return manifest


def _member_stream(tar: tarfile.TarFile, name: str, archive: Path) -> IO[bytes]:
    try:
        info = tar.getmember(name)
    except KeyError:
        raise BackupError(f"{archive}: {name} listed but missing") from None
    handle = tar.extractfile(info) if info.isfile() else None
    if handle is None:
        raise BackupError(f"{archive}: {name} is not a regular file")
    return handle


def _copy_checked(
    tar: tarfile.TarFile, name: str, entry: dict[str, Any], target: Path
) -> None:
    digest, size = hashlib.sha256(), 0
    source = _member_stream(tar, name, Path(str(tar.name)))
    with source as src, target.open("wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    if digest.hexdigest() != entry.get("sha256") or size != entry.get("size"):
        raise BackupError(f"{name}: content does not match the manifest (damaged)")


def verify_backup(archive: Path) -> BackupSummary:
    """Check every file of an archive against its manifest without restoring."""
    with (
        _open_archive(archive) as (tar, manifest),
        tempfile.TemporaryDirectory(prefix="edge-verify-") as tmp,
    ):
        for name, entry in manifest["files"].items():
            _copy_checked(tar, name, entry, Path(tmp) / "member")
            if name == "data/gateway.db":
                _check_database(Path(tmp) / "member", manifest)
        return BackupSummary(
            str(archive),
            str(manifest.get("gateway_id")),
            manifest.get("schema_version"),
            sorted(manifest["files"]),
        )


def _check_database(path: Path, manifest: dict[str, Any]) -> None:
    integrity = maintenance.integrity_check(path)
    if not integrity.ok:
        raise BackupError(
            f"the database in the backup is damaged: {integrity.problems}"
        )
    version = integrity.schema_version or 0
    if version > maintenance.current_schema_version():
        raise BackupError(
            f"the backup's database has schema {version}, newer than this gateway"
            f" ({maintenance.current_schema_version()}); update the gateway first"
        )
    if maintenance.content_digest(path) != manifest.get("data_digest"):
        raise BackupError("the database in the backup differs from its manifest")


def restore_backup(archive: Path, layout: Layout, force: bool = False) -> BackupSummary:
    """Put a backup's data and identity in place under ``layout``."""
    if layout.db_file.exists() and not force:
        raise BackupError(
            f"{layout.db_file} already exists; restoring would replace this box's "
            "data (use --force: the present files are kept beside, renamed)"
        )
    with (
        _open_archive(archive) as (tar, manifest),
        tempfile.TemporaryDirectory(
            dir=_staging_parent(layout), prefix=".edge-restore-"
        ) as tmp,
    ):
        staged = _stage_all(tar, manifest, Path(tmp))
        _check_database(staged["data/gateway.db"], manifest)
        document = _rebased_config(staged["config/gateway.toml"], layout, manifest)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        moved = _place(staged, document, layout, stamp)
    summary = BackupSummary(
        str(archive),
        str(manifest.get("gateway_id")),
        manifest.get("schema_version"),
        sorted(manifest["files"]),
        moved,
    )
    log.info("restored %s from %s", summary.gateway_id, archive)
    return summary


def _staging_parent(layout: Layout) -> Path:
    # Stage on the same filesystem as the target so the final moves are renames.
    layout.state_dir.mkdir(parents=True, exist_ok=True)
    return layout.state_dir


def _stage_all(
    tar: tarfile.TarFile, manifest: dict[str, Any], tmp: Path
) -> dict[str, Path]:
    staged = {}
    for index, (name, entry) in enumerate(sorted(manifest["files"].items())):
        if not isinstance(entry, dict) or not _MEMBER.fullmatch(name):
            raise BackupError(f"manifest entry {name!r} is not acceptable")
        target = tmp / f"{index:04d}"
        _copy_checked(tar, name, entry, target)
        staged[name] = target
    for needed in ("data/gateway.db", "config/gateway.toml"):
        if needed not in staged:
            raise BackupError(f"the backup has no {needed}")
    return staged


def _rebased_config(path: Path, layout: Layout, manifest: dict[str, Any]) -> str:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BackupError(
            f"the configuration in the backup is not valid: {exc}"
        ) from exc
    doc.setdefault("gateway", {})["db"] = str(layout.db_file)
    uplink = doc.get("uplink", {})
    for key in TLS_KEYS:
        if uplink.get(key):
            uplink[key] = str(layout.tls_dir / Path(uplink[key]).name)
    if uplink.get("downlink_keys"):
        uplink["downlink_keys"] = [
            str(layout.tls_dir / Path(p).name) for p in uplink["downlink_keys"]
        ]
    if isinstance(doc.get("models"), dict) and "dir" in doc["models"]:
        doc["models"]["dir"] = str(layout.models_dir)
    return dump_toml(doc)


def _place(
    staged: dict[str, Path], document: str, layout: Layout, stamp: str
) -> list[str]:
    moved = []
    for name, source in staged.items():
        target = _target(name, layout)
        if target is None:
            continue
        moved.extend(_move_aside(target, stamp))
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        os.chmod(target, 0o640 if name.startswith(("tls/", "data/")) else 0o644)
        share_with_service(layout, target, owner=name.startswith(("data/", "state/")))
    moved.extend(_move_aside(layout.config_file, stamp))
    write_atomic(layout.config_file, document.encode(), mode=0o640)
    share_with_service(layout, layout.config_file)
    _point_models(staged, layout)
    return moved


def _target(name: str, layout: Layout) -> Path | None:
    kind, _, rest = name.partition("/")
    if kind == "data":
        return layout.db_file
    if kind == "tls":
        return layout.tls_dir / Path(rest).name
    if kind == "state":
        return layout.state_dir / Path(rest).name
    if kind == "models":
        model, version, file_name = rest.split("/")
        return layout.models_dir / model / "versions" / version / file_name
    return None  # the configuration is written from its rebased text


def _move_aside(target: Path, stamp: str) -> list[str]:
    moved = []
    for path in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        if path.exists():
            aside = path.with_name(f"{path.name}.before-restore-{stamp}")
            path.rename(aside)
            moved.append(str(aside))
    return moved


def _point_models(staged: dict[str, Path], layout: Layout) -> None:
    versions = {tuple(n.split("/")[1:3]) for n in staged if n.startswith("models/")}
    for model, version in versions:
        link = layout.models_dir / model / "current"
        tmp = link.with_name(".current.new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(Path("versions") / version)
        os.replace(tmp, link)


def copy_to(archive: Path, folder: Path) -> Path:
    """Copy a finished backup to another folder (a USB stick), synced."""
    target = folder / archive.name
    shutil.copyfile(archive, target)
    with target.open("rb") as handle:
        os.fsync(handle.fileno())
    return target
