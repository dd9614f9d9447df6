"""``doctor``: check every part a classroom gateway needs, and say what to do.

Each check gives :class:`Finding` records: ok, warn (works, but will not for
long or not fully), fail (a part is broken) or skip (not configured or not
checkable because an earlier check failed). Every warn and fail carries a
``fix`` in plain words for the installer or the school's IT person.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypedDict

from edge.config import Config, load_config
from edge.errors import EdgeError
from edge.provision import certs, fields, osprobe
from edge.provision.netprobe import CONNACK_REASONS, ProbeError, TlsFiles, probe_broker
from edge.provision.osprobe import Probes
from edge.store import maintenance

# A box without a real-time clock that booted offline believes it is still
# the day its image was built; anything before this date is such a clock.
EARLIEST_PLAUSIBLE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
DISK_FAIL_BYTES = 200 * 1024 * 1024
DISK_WARN_BYTES = 1024 * 1024 * 1024
# One adapter keeps about seven pens connected steadily (measured with
# BlueZ); more pens than that per adapter drop and reconnect.
PENS_PER_ADAPTER = 7


class Status(StrEnum):
    """How a check came out."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


class FindingJSON(TypedDict):
    """A finding as ``doctor --json`` prints it."""

    check: str
    status: str
    summary: str
    fix: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One result of one check."""

    check: str
    status: Status
    summary: str
    fix: str = ""

    def as_json(self) -> FindingJSON:
        """The finding as a JSON-ready dict."""
        return {
            "check": self.check,
            "status": str(self.status),
            "summary": self.summary,
            "fix": self.fix,
        }


@dataclass(frozen=True, slots=True)
class Context:
    """What the checks look at: the configuration and the OS probes."""

    config_path: Path
    config: Config | None
    probes: Probes
    disk_fail_bytes: int = DISK_FAIL_BYTES
    disk_warn_bytes: int = DISK_WARN_BYTES


Check = Callable[[Context], Iterable[Finding]]


def check_config(ctx: Context) -> Iterable[Finding]:
    """The configuration file loads and has a teacher password."""
    if ctx.config is None:
        try:
            load_config(ctx.config_path)
        except EdgeError as exc:
            yield Finding(
                "config",
                Status.FAIL,
                str(exc),
                "run 'sudo edge-gateway provision' to write the configuration",
            )
        return
    yield Finding("config", Status.OK, f"gateway {ctx.config.gateway_id}")
    if not ctx.config.web.teacher_password_hash:
        yield Finding(
            "config",
            Status.FAIL,
            "no teacher password is set, so the service will not start",
            "run 'sudo edge-gateway provision --teacher-password'",
        )


def check_bluetooth(ctx: Context) -> Iterable[Finding]:
    """At least one Bluetooth adapter, not blocked, enough for the pens."""
    adapters = osprobe.bluetooth_adapters(ctx.probes)
    if not adapters:
        yield Finding(
            "bluetooth",
            Status.FAIL,
            "no Bluetooth adapter found",
            "on a Raspberry Pi remove 'dtoverlay=disable-bt' from "
            "/boot/firmware/config.txt and reboot, or plug in a USB Bluetooth "
            "adapter; then 'sudo systemctl restart bluetooth'",
        )
        return
    for adapter in adapters:
        yield _adapter_finding(adapter)
    usable = sum(1 for a in adapters if not (a.soft_blocked or a.hard_blocked))
    pens = _bound_pens(ctx)
    if pens > usable * PENS_PER_ADAPTER:
        need = -(-pens // PENS_PER_ADAPTER)
        yield Finding(
            "bluetooth",
            Status.WARN,
            f"{pens} pens are bound but {usable} adapter(s) hold about "
            f"{usable * PENS_PER_ADAPTER} steadily",
            f"add USB Bluetooth adapters until there are {need} (use a powered hub)",
        )


def _adapter_finding(adapter: osprobe.Adapter) -> Finding:
    if adapter.hard_blocked:
        return Finding(
            "bluetooth",
            Status.FAIL,
            f"{adapter.name} is switched off by a hardware switch",
            "turn the adapter's radio switch on, or use another adapter",
        )
    if adapter.soft_blocked:
        return Finding(
            "bluetooth",
            Status.FAIL,
            f"{adapter.name} is blocked by rfkill",
            "run 'sudo rfkill unblock bluetooth', then 'sudo systemctl restart "
            "bluetooth'",
        )
    return Finding("bluetooth", Status.OK, f"{adapter.name} present and unblocked")


def _bound_pens(ctx: Context) -> int:
    if ctx.config is None or not ctx.config.db.is_file():
        return 0
    try:
        return maintenance.device_counts(ctx.config.db).get("pen", 0)
    except EdgeError:
        return 0


def check_clicker(ctx: Context) -> Iterable[Finding]:
    """The clicker receiver's serial port exists and may be opened."""
    section = ctx.config.section("clicker") if ctx.config else {}
    if section.get("enabled") is False:
        yield Finding("clicker", Status.SKIP, "clickers are turned off")
        return
    port = section.get("port")
    if isinstance(port, str) and port:
        yield _port_finding(osprobe.port_state(Path(port)))
        return
    candidates = osprobe.serial_candidates(ctx.probes)
    if candidates:
        names = ", ".join(str(p) for p in candidates[:4])
        yield Finding("clicker", Status.OK, f"receiver port(s) to try: {names}")
        return
    yield Finding(
        "clicker",
        Status.FAIL if section else Status.WARN,
        "no USB serial port found for the clicker receiver",
        "plug the receiver into a USB port (not through an unpowered hub) and "
        "check 'ls /dev/serial/by-id'; if this class uses no clickers, set "
        "enabled = false under [clicker]",
    )


def _port_finding(state: osprobe.PortState) -> Finding:
    if not state.exists:
        return Finding(
            "clicker",
            Status.FAIL,
            f"{state.path} does not exist",
            "plug in the receiver, then check its name with 'ls /dev/serial/by-id' "
            "and set port under [clicker] to it",
        )
    if not state.openable:
        return Finding(
            "clicker",
            Status.FAIL,
            f"{state.path} cannot be opened: {state.error}",
            "the service account must be in the 'dialout' group, and no other "
            "program may hold the port (stop ModemManager or the serial console)",
        )
    return Finding("clicker", Status.OK, f"{state.path} opens")


def check_broker(ctx: Context) -> Iterable[Finding]:
    """The broker is reachable, its TLS is trusted, and it accepts us."""
    uplink = ctx.config.section("uplink") if ctx.config else {}
    pending = (
        ctx.config.section("provision").get("pending_broker") if ctx.config else None
    )
    if pending and not uplink.get("broker"):
        yield Finding(
            "broker",
            Status.WARN,
            f"{pending} waits for the gateway's certificate: results wait on the "
            "gateway",
            f"send {ctx.config_path.parent / 'tls' / 'gateway.csr'} to the city, "
            "then run 'sudo edge-gateway provision --certificate FILE' with what "
            "comes back",
        )
        return
    if not uplink.get("broker") or ctx.config is None:
        yield Finding(
            "broker",
            Status.WARN,
            "no broker configured: results wait on the gateway",
            "run 'sudo edge-gateway provision --broker mqtts://HOST:8883'",
        )
        return
    try:
        broker = fields.broker(uplink["broker"])
    except EdgeError as exc:
        yield Finding("broker", Status.FAIL, str(exc), "fix [uplink] broker")
        return
    tls = _tls_files(uplink) if broker.tls else None
    client = f"{ctx.config.gateway_id}-doctor"
    try:
        probe = probe_broker(broker, tls, client, ctx.probes.timeout_s)
    except ProbeError as exc:
        yield Finding("broker", Status.FAIL, f"{broker.url}: {exc}", _probe_fix(exc))
        return
    yield from _broker_answer(broker, probe.connack_reason)
    if probe.peer_not_after is not None:
        yield _expiry_finding("broker certificate", probe.peer_not_after, ctx)


def _tls_files(uplink: Any) -> TlsFiles | None:
    if not uplink.get("ca_file"):
        return None
    cert, key = uplink.get("cert_file"), uplink.get("key_file")
    return TlsFiles(
        Path(uplink["ca_file"]),
        Path(cert) if cert else None,
        Path(key) if key else None,
    )


_PROBE_FIXES = {
    "connect": "check the network cable or Wi-Fi, that the school firewall lets "
    "the gateway out to the broker's port, and the broker address",
    "tls": "check that the city CA file and the gateway certificate are the ones "
    "the city issued ('sudo edge-gateway provision --ca FILE --certificate FILE')",
    "tls files": "the CA, certificate or key file is missing or unreadable; "
    "install them again with 'sudo edge-gateway provision'",
    "broker certificate": "the broker's certificate is not trusted: install the "
    "city's current CA file, and check the clock ('timedatectl')",
    "mqtt": "the broker refused the gateway's certificate: ask the city to check "
    "that it issued this certificate and has not revoked it",
}


def _probe_fix(exc: ProbeError) -> str:
    return _PROBE_FIXES.get(exc.stage, "see the message")


def _broker_answer(broker: fields.Broker, reason: int) -> Iterable[Finding]:
    if reason == 0:
        yield Finding("broker", Status.OK, f"{broker.url} accepts the gateway")
        return
    words = CONNACK_REASONS.get(reason, f"reason code {reason:#04x}")
    yield Finding(
        "broker",
        Status.FAIL,
        f"{broker.url} refused the connection: {words}",
        "ask the city to allow this gateway's certificate (its common name must "
        "be the gateway id) on the broker",
    )


def _expiry_finding(what: str, not_after: dt.datetime, ctx: Context) -> Finding:
    days = (not_after - ctx.probes.now()).total_seconds() / 86400
    if days < 0:
        return Finding(
            "certificate",
            Status.FAIL,
            f"{what} expired on {not_after:%Y-%m-%d}",
            "ask the city for a new certificate; install it with 'sudo "
            "edge-gateway provision --certificate FILE' (or check the clock)",
        )
    if days < certs.RENEW_BEFORE.days:
        return Finding(
            "certificate",
            Status.WARN,
            f"{what} expires in {days:.0f} days ({not_after:%Y-%m-%d})",
            "ask the city to renew it before it runs out",
        )
    return Finding("certificate", Status.OK, f"{what} valid until {not_after:%Y-%m-%d}")


def check_certificate(ctx: Context) -> Iterable[Finding]:
    """The gateway's own certificate: present, matching its key, not expiring."""
    uplink = ctx.config.section("uplink") if ctx.config else {}
    cert_file, key_file = uplink.get("cert_file"), uplink.get("key_file")
    if ctx.config is None or not cert_file:
        yield Finding("certificate", Status.SKIP, "no client certificate configured")
        return
    try:
        cert = certs.load_certificates(Path(cert_file))[0]
        key = certs.load_key(Path(key_file)) if key_file else None
    except EdgeError as exc:
        yield Finding(
            "certificate",
            Status.FAIL,
            str(exc),
            "send the certificate request (gateway.csr) to the city and install "
            "what it returns with 'sudo edge-gateway provision --certificate FILE'",
        )
        return
    problems = certs.certificate_problems(
        cert, key, ctx.config.gateway_id, ctx.probes.now()
    )
    expired = [p for p in problems if "expired" in p]
    others = [p for p in problems if p not in expired]
    if others:
        yield Finding(
            "certificate",
            Status.FAIL,
            f"{cert_file}: {'; '.join(others)}",
            "install the certificate the city issued for this gateway's current "
            "key and id ('sudo edge-gateway provision --certificate FILE')",
        )
    info = certs.cert_info(cert)
    yield _expiry_finding(f"gateway certificate {cert_file}", info.not_after, ctx)


def check_clock(ctx: Context) -> Iterable[Finding]:
    """The clock is plausible and kept in time by NTP."""
    now = ctx.probes.now()
    if now < EARLIEST_PLAUSIBLE:
        yield Finding(
            "clock",
            Status.FAIL,
            f"the clock says {now:%Y-%m-%d}, which cannot be right",
            "connect the gateway to the network so it can set its clock "
            "(NTP); a Raspberry Pi 5 can keep time offline with an RTC battery",
        )
        return
    synced = osprobe.clock_synchronized(ctx.probes)
    if synced is False:
        yield Finding(
            "clock",
            Status.WARN,
            f"{now:%Y-%m-%d %H:%M} UTC, not yet synchronised with a time server",
            "check 'timedatectl'; the school firewall must allow NTP (UDP 123) "
            "or set a local time server in /etc/systemd/timesyncd.conf",
        )
        return
    yield Finding("clock", Status.OK, f"{now:%Y-%m-%d %H:%M} UTC")


def check_disk(ctx: Context) -> Iterable[Finding]:
    """Enough free space where the store lives."""
    folder = _existing_parent(ctx.config.db if ctx.config else ctx.config_path)
    usage = shutil.disk_usage(folder)
    free_mb = usage.free / 1024 / 1024
    if usage.free < ctx.disk_fail_bytes:
        status = Status.FAIL
    elif usage.free < ctx.disk_warn_bytes or usage.free < usage.total / 10:
        status = Status.WARN
    else:
        yield Finding("disk", Status.OK, f"{free_mb:.0f} MB free on {folder}")
        return
    yield Finding(
        "disk",
        status,
        f"only {free_mb:.0f} MB free on {folder}",
        "delete old backups in /var/lib/edge-gateway/backups (copy them off "
        "first), or move to a larger SD card with 'edge-gateway backup'",
    )


def _existing_parent(path: Path) -> Path:
    for folder in (path, *path.parents):
        if folder.is_dir():
            return folder
    return Path("/")


def check_database(ctx: Context) -> Iterable[Finding]:
    """The store file passes SQLite's integrity check and schema version."""
    if ctx.config is None:
        yield Finding("database", Status.SKIP, "no configuration to find it")
        return
    path = ctx.config.db
    if not path.exists():
        yield Finding(
            "database",
            Status.WARN,
            f"{path} does not exist yet",
            "it is created by 'edge-gateway provision' or the first service start",
        )
        return
    try:
        result = maintenance.integrity_check(path)
    except EdgeError as exc:
        yield Finding("database", Status.FAIL, str(exc), _RESTORE_FIX)
        return
    if not result.ok:
        yield Finding(
            "database",
            Status.FAIL,
            f"{path} is damaged: {'; '.join(result.problems[:3])}",
            _RESTORE_FIX,
        )
        return
    yield from _schema_finding(path, result.schema_version)


_RESTORE_FIX = (
    "stop the service ('sudo systemctl stop edge-gateway'), move the damaged file "
    "aside (keep it), and restore the last backup with 'sudo edge-gateway backup "
    "restore FILE'"
)


def _schema_finding(path: Path, version: int | None) -> Iterable[Finding]:
    newest = maintenance.current_schema_version()
    if version is not None and version > newest:
        yield Finding(
            "database",
            Status.FAIL,
            f"{path} has schema version {version}, newer than this gateway ({newest})",
            "install the gateway version that wrote it, or restore an older backup",
        )
        return
    yield Finding("database", Status.OK, f"{path} intact (schema {version})")


def check_models(ctx: Context) -> Iterable[Finding]:
    """Every model file loads in onnxruntime and runs on neutral input."""
    from edge.updates import UpdateError, broken_models, check_onnx_file, model_files

    root = _models_root(ctx)
    for name in broken_models(root):
        yield Finding(
            "models",
            Status.FAIL,
            f"downloaded model {name!r} points to a missing version",
            f"remove {root}/{name}/current: the gateway then uses its packaged "
            "model until the city sends the model again",
        )
    files = model_files(root)
    if not files:
        yield Finding(
            "models",
            Status.FAIL,
            "no model files found",
            "reinstall the gateway package: its models ship with it",
        )
        return
    for path in files:
        try:
            check_onnx_file(path)
        except UpdateError as exc:
            yield Finding("models", Status.FAIL, f"{path}: {exc}", _MODEL_FIX)
            continue
        yield Finding("models", Status.OK, f"{path.name} loads and runs")


_MODEL_FIX = (
    "a downloaded model is rolled back automatically; for a damaged packaged "
    "model reinstall the gateway package"
)


def _models_root(ctx: Context) -> Path | None:
    if ctx.config is None:
        return None
    from edge.updates import models_root_for

    return models_root_for(ctx.config)


# The backup timer runs nightly; three missed nights mean it is not running.
BACKUP_MAX_AGE = dt.timedelta(days=3)


def check_backup(ctx: Context) -> Iterable[Finding]:
    """A recent backup exists beside the store."""
    if ctx.config is None:
        yield Finding("backup", Status.SKIP, "no configuration to find it")
        return
    folder = ctx.config.db.parent / "backups"
    archives = sorted(folder.glob(f"{ctx.config.gateway_id}-*.tar.gz"))
    fix = (
        "run 'sudo systemctl enable --now edge-gateway-backup.timer', and copy "
        "backups off the box with 'sudo edge-gateway backup create --copy-to DIR'"
    )
    if not archives:
        yield Finding("backup", Status.WARN, f"no backup in {folder} yet", fix)
        return
    newest = max(archives, key=lambda p: p.stat().st_mtime)
    made = dt.datetime.fromtimestamp(newest.stat().st_mtime, dt.UTC)
    if ctx.probes.now() - made > BACKUP_MAX_AGE:
        yield Finding(
            "backup", Status.WARN, f"the newest backup is from {made:%Y-%m-%d}", fix
        )
        return
    yield Finding("backup", Status.OK, f"{newest.name}")


ALL_CHECKS: dict[str, Check] = {
    "config": check_config,
    "bluetooth": check_bluetooth,
    "clicker": check_clicker,
    "broker": check_broker,
    "certificate": check_certificate,
    "clock": check_clock,
    "disk": check_disk,
    "database": check_database,
    "models": check_models,
    "backup": check_backup,
}


def run_checks(
    config_path: Path,
    probes: Probes | None = None,
    only: Iterable[str] | None = None,
    **limits: int,
) -> list[Finding]:
    """Run the named checks (all by default) and gather their findings."""
    try:
        config: Config | None = load_config(config_path)
    except EdgeError:
        config = None
    ctx = Context(config_path, config, probes or Probes(), **limits)
    findings: list[Finding] = []
    for name, check in ALL_CHECKS.items():
        if only is not None and name not in only:
            continue
        try:
            findings.extend(check(ctx))
        except (EdgeError, OSError) as exc:
            findings.append(Finding(name, Status.FAIL, f"check failed: {exc}"))
    return findings


def self_test(layout: Any, probes: Probes | None = None) -> list[dict[str, Any]]:
    """Provisioning's final self-test: every check, on the new configuration."""
    findings = run_checks(layout.config_file, probes)
    return [dict(f.as_json()) for f in findings]


def worst(findings: Iterable[Finding]) -> Status:
    """The worst status among findings (ok when there are none)."""
    order = [Status.OK, Status.SKIP, Status.WARN, Status.FAIL]
    return max((f.status for f in findings), key=order.index, default=Status.OK)


def render_text(findings: Iterable[Finding]) -> str:
    """The findings as lines for a terminal, each problem followed by its fix."""
    marks = {
        Status.OK: "ok  ",
        Status.WARN: "WARN",
        Status.FAIL: "FAIL",
        Status.SKIP: "--  ",
    }
    lines = []
    for finding in findings:
        lines.append(f"{marks[finding.status]}  {finding.check:<12} {finding.summary}")
        if finding.fix and finding.status in (Status.WARN, Status.FAIL):
            lines.append(f"{'':18} fix: {finding.fix}")
    return "\n".join(lines)
