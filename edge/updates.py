"""Safe model updates: staged, verified, switched atomically, rolled back.

Layout under the models folder (``/var/lib/edge-gateway/models``)::

    <name>/versions/<version>/   the model files and MANIFEST.json
    <name>/current -> versions/<version>    what the gateway loads
    <name>/previous -> versions/<version>   what a rollback returns to
    <name>/trial                 present only while a new version is on trial

An update is written to a staging folder and checked against the SHA-256
sums of the (signed) downlink, then self-tested before it goes anywhere near
``current``. The switch is one ``rename`` of a symlink, so a reader sees the
old version or the new one, never a mix. After the switch the self-test runs
again on the live path (with the caller's reload hook); if it fails,
``current`` goes back to ``previous``. A power cut during the trial leaves
the ``trial`` marker behind, and :func:`recover` rolls back at the next start.

Assignments need no folder dance: they are validated whole, then saved in one
store transaction (:func:`install_assignment`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edge.errors import EdgeError

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
MANIFEST = "MANIFEST.json"
# Versions kept besides current and previous, for a manual rollback.
KEEP_VERSIONS = 3
# A model file larger than this is not a classroom model; refuse it early.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_FILES = 16


class UpdateError(EdgeError):
    """An update was refused or rolled back; the gateway keeps what it had."""


SelfTest = Callable[[Path], None]
"""Raises if the model files in the folder are not fit to use."""


@dataclass(frozen=True, slots=True)
class ModelUpdate:
    """A new version of one model: its files and their expected SHA-256."""

    name: str
    version: str
    files: Mapping[str, bytes]
    sha256: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """What an update did: installed, already current, or rolled back."""

    name: str
    version: str
    outcome: str  # "installed" | "unchanged" | "rolled_back" | "refused"
    active: str | None
    reason: str = ""


def model_update_from_downlink(data: Mapping[str, Any]) -> ModelUpdate:
    """Decode a verified ``model`` downlink body's data.

    Shape: ``{"name": ..., "version": ..., "files": {file: {"sha256": hex,
    "data": base64}}}``.
    """
    files, sums = {}, {}
    raw_files = data.get("files")
    if not isinstance(raw_files, Mapping) or not raw_files:
        raise UpdateError("model update: 'files' must be a non-empty object")
    for file_name, entry in raw_files.items():
        if not isinstance(entry, Mapping):
            raise UpdateError(f"model update: files.{file_name} must be an object")
        try:
            files[file_name] = base64.b64decode(str(entry.get("data")), validate=True)
        except binascii.Error as exc:
            raise UpdateError(f"model update: files.{file_name}.data: {exc}") from exc
        sums[file_name] = str(entry.get("sha256", ""))
    update = ModelUpdate(str(data.get("name")), str(data.get("version")), files, sums)
    _validate(update)
    return update


def _validate(update: ModelUpdate) -> None:
    if not _NAME.fullmatch(update.name):
        raise UpdateError(f"model name {update.name!r} is not valid")
    if not _VERSION.fullmatch(update.version):
        raise UpdateError(f"model version {update.version!r} is not valid")
    if not update.files or len(update.files) > MAX_FILES:
        raise UpdateError(f"a model needs 1-{MAX_FILES} files")
    if set(update.files) != set(update.sha256):
        raise UpdateError("every model file needs exactly one SHA-256 and vice versa")
    for file_name, data in update.files.items():
        if not _FILE.fullmatch(file_name) or file_name == MANIFEST:
            raise UpdateError(f"model file name {file_name!r} is not valid")
        if len(data) > MAX_FILE_BYTES:
            raise UpdateError(f"{file_name}: {len(data)} bytes is too large")
        if not _SHA256.fullmatch(update.sha256[file_name]):
            raise UpdateError(f"{file_name}: SHA-256 must be 64 lower-case hex digits")


def models_root_for(config: Any) -> Path:
    """The models folder of a configuration: ``[models] dir``, else beside the store."""
    folder = config.section("models").get("dir")
    return (
        Path(folder)
        if isinstance(folder, str) and folder
        else config.db.parent / "models"
    )


def packaged_model_files() -> list[Path]:
    """The ONNX models shipped inside the gateway package."""
    package = Path(__file__).resolve().parent
    return sorted(package.glob("**/models/*.onnx"))


def model_files(models_root: Path | None) -> list[Path]:
    """Every model file the gateway may load: packaged ones and active downloads."""
    files = packaged_model_files()
    if models_root is not None and models_root.is_dir():
        for home in sorted(models_root.iterdir()):
            folder = current_dir(models_root, home.name)
            if folder is not None:
                files.extend(sorted(folder.glob("*.onnx")))
    return files


def broken_models(models_root: Path | None) -> list[str]:
    """Models whose ``current`` link names a version that is not there."""
    if models_root is None or not models_root.is_dir():
        return []
    return [
        home.name
        for home in sorted(models_root.iterdir())
        if (home / "current").is_symlink() and not (home / "current").exists()
    ]


def current_dir(models_root: Path, name: str) -> Path | None:
    """The folder of the active version of a model, or None if none is set."""
    link = models_root / name / "current"
    return link.resolve() if link.is_symlink() and link.exists() else None


def current_version(models_root: Path, name: str) -> str | None:
    """The active version of a model, or None."""
    folder = current_dir(models_root, name)
    return folder.name if folder else None


def install_model(
    models_root: Path,
    update: ModelUpdate,
    self_test: SelfTest,
    reload: Callable[[Path], None] | None = None,
) -> UpdateResult:
    """Stage, verify, switch and trial a model update; roll back on failure."""
    _validate(update)
    home = models_root / update.name
    if current_version(models_root, update.name) == update.version:
        return UpdateResult(update.name, update.version, "unchanged", update.version)
    home.mkdir(parents=True, exist_ok=True)
    recover(models_root, update.name, reload)

    try:
        staged = _stage(home, update)
        self_test(staged)
    except Exception as exc:
        log.warning("model %s %s refused: %s", update.name, update.version, exc)
        _remove_staging(home)
        active = current_version(models_root, update.name)
        return UpdateResult(update.name, update.version, "refused", active, str(exc))

    version_dir = _promote(home, staged, update.version)
    previous = current_version(models_root, update.name)
    return _trial(models_root, update, version_dir, previous, self_test, reload)


def _stage(home: Path, update: ModelUpdate) -> Path:
    staged = Path(tempfile.mkdtemp(dir=home, prefix=".staging-"))
    for file_name, data in update.files.items():
        digest = hashlib.sha256(data).hexdigest()
        if digest != update.sha256[file_name]:
            raise UpdateError(f"{file_name}: SHA-256 {digest} does not match")
        _write_synced(staged / file_name, data)
    manifest = {"name": update.name, "version": update.version, "sha256": update.sha256}
    _write_synced(staged / MANIFEST, json.dumps(manifest, indent=1).encode())
    # Read back what landed on disk: a flash card can return other bytes.
    verify_version_dir(staged)
    return staged


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def verify_version_dir(folder: Path) -> None:
    """Check every file of an installed version against its manifest."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        sums = dict(manifest["sha256"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UpdateError(f"{folder}: manifest unreadable: {exc}") from exc
    for file_name, expected in sums.items():
        try:
            actual = hashlib.sha256((folder / file_name).read_bytes()).hexdigest()
        except OSError as exc:
            raise UpdateError(f"{folder / file_name}: {exc}") from exc
        if actual != expected:
            raise UpdateError(f"{folder / file_name}: content differs from manifest")


def _remove_staging(home: Path) -> None:
    for leftover in home.glob(".staging-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _promote(home: Path, staged: Path, version: str) -> Path:
    versions = home / "versions"
    versions.mkdir(exist_ok=True)
    target = versions / version
    if target.exists():
        # A version that was rolled back before and is now sent again.
        shutil.rmtree(target)
    staged.rename(target)
    _fsync_dir(versions)
    return target


def _trial(
    models_root: Path,
    update: ModelUpdate,
    version_dir: Path,
    previous: str | None,
    self_test: SelfTest,
    reload: Callable[[Path], None] | None,
) -> UpdateResult:
    home = models_root / update.name
    _write_synced(home / "trial", json.dumps({"previous": previous}).encode())
    if previous is not None:
        _point(home, "previous", previous)
    _point(home, "current", update.version)
    try:
        self_test(version_dir)
        if reload is not None:
            reload(version_dir)
    except Exception as exc:
        log.warning(
            "model %s %s failed on trial, rolling back: %s",
            update.name,
            update.version,
            exc,
        )
        _roll_back(home, previous, reload)
        return UpdateResult(
            update.name, update.version, "rolled_back", previous, str(exc)
        )
    (home / "trial").unlink()
    _prune(home)
    log.info("model %s now at version %s", update.name, update.version)
    return UpdateResult(update.name, update.version, "installed", update.version)


def _point(home: Path, link_name: str, version: str) -> None:
    # Build the new link beside the old one, then rename over it: rename is
    # atomic, so ``current`` always names a whole version.
    tmp = home / f".{link_name}.new"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(Path("versions") / version)
    os.replace(tmp, home / link_name)
    _fsync_dir(home)


def _roll_back(
    home: Path, previous: str | None, reload: Callable[[Path], None] | None
) -> None:
    if previous is None:
        # No earlier download: the gateway falls back to its packaged model.
        (home / "current").unlink(missing_ok=True)
    else:
        _point(home, "current", previous)
    (home / "trial").unlink(missing_ok=True)
    _fsync_dir(home)
    if reload is not None and previous is not None:
        reload(home / "versions" / previous)


def recover(
    models_root: Path, name: str, reload: Callable[[Path], None] | None = None
) -> bool:
    """Finish an interrupted trial by rolling back; True if it did."""
    home = models_root / name
    marker = home / "trial"
    if not marker.exists():
        return False
    try:
        previous = json.loads(marker.read_text(encoding="utf-8")).get("previous")
    except (OSError, ValueError, AttributeError):
        previous = None
    log.warning("model %s: an update was interrupted on trial; rolling back", name)
    _roll_back(home, previous, reload)
    return True


def recover_all(models_root: Path) -> list[str]:
    """Roll back every interrupted trial under the models folder (at start-up)."""
    if not models_root.is_dir():
        return []
    return [
        home.name
        for home in sorted(models_root.iterdir())
        if home.is_dir() and recover(models_root, home.name)
    ]


def _prune(home: Path) -> None:
    keep = {current_version(home.parent, home.name)}
    previous = home / "previous"
    if previous.is_symlink():
        keep.add(previous.resolve().name)
    versions = sorted(
        (p for p in (home / "versions").iterdir() if p.name not in keep),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in versions[KEEP_VERSIONS:]:
        shutil.rmtree(old, ignore_errors=True)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def onnx_self_test(folder: Path) -> None:
    """Load every ONNX file in a folder and run it once on neutral input.

    Catches truncated or corrupted files, graphs onnxruntime cannot run on
    this machine and models whose output is NaN or infinite.
    """
    models = sorted(folder.glob("*.onnx"))
    if not models:
        raise UpdateError(f"{folder}: no .onnx file")
    for path in models:
        check_onnx_file(path)


def check_onnx_file(path: Path) -> None:
    """Load one ONNX file and run it on zeros; raises UpdateError."""
    import onnxruntime as ort

    try:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        feeds = {i.name: _zeros(i.shape, i.type) for i in session.get_inputs()}
        outputs = session.run(None, feeds)
    except Exception as exc:  # onnxruntime raises its own unrelated classes
        raise UpdateError(f"{path.name}: does not load or run: {exc}") from exc
    for output in outputs:
        array = np.asarray(output)
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise UpdateError(f"{path.name}: gives NaN or infinite output")


_DTYPES = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(float16)": np.float16,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(int8)": np.int8,
    "tensor(uint8)": np.uint8,
    "tensor(bool)": np.bool_,
}


def _zeros(shape: list[Any], kind: str) -> np.ndarray[Any, Any]:
    if kind not in _DTYPES:
        raise UpdateError(f"input type {kind} cannot be self-tested")
    # Symbolic or unknown dimensions (batch, sequence length) become 1.
    dims = [d if isinstance(d, int) and d > 0 else 1 for d in shape]
    return np.zeros(dims, dtype=_DTYPES[kind])


def install_assignment(store: Any, document: Mapping[str, Any]) -> str:
    """Validate an assignment document whole, then save it in one transaction."""
    from edge.service import assignment_from_document

    try:
        assignment = assignment_from_document(dict(document))
    except EdgeError as exc:
        raise UpdateError(f"assignment refused: {exc}") from exc
    store.save_assignment(assignment, dict(document))
    return str(assignment.id)
