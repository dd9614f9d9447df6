"""The unit files pass systemd-analyze, keep their hardening, and match the docs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UNITS = REPO / "systemd"
INSTALLED_COMMAND = "/opt/edge-gateway/bin/edge-gateway"
# The hardening this project promises; docs/installing.md records the score.
MAX_EXPOSURE = 2.5


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not installed (apt-get install systemd)")
    return path


def directives(unit: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in unit.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


@pytest.fixture
def unit_dir(tmp_path: Path) -> Path:
    """The units with ExecStart pointing at this checkout's command."""
    command = Path(sys.executable).with_name("edge-gateway")
    if not command.exists():
        pytest.skip("the edge-gateway command is not installed in this environment")
    for unit in [*UNITS.glob("*.service"), *UNITS.glob("*.timer")]:
        text = unit.read_text().replace(INSTALLED_COMMAND, str(command))
        (tmp_path / unit.name).write_text(text)
    return tmp_path


def test_units_verify(unit_dir: Path) -> None:
    analyze = tool("systemd-analyze")
    units = sorted(str(p) for p in unit_dir.iterdir())
    assert len(units) == 3
    result = subprocess.run(
        [analyze, "verify", *units], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


def exposure(analyze: str, unit: Path) -> float:
    result = subprocess.run(
        [analyze, "security", "--offline=true", str(unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    match = re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout)
    assert match, result.stdout + result.stderr
    return float(match.group(1))


def test_hardening_score(unit_dir: Path) -> None:
    analyze = tool("systemd-analyze")
    help_text = subprocess.run(
        [analyze, "security", "--help"], capture_output=True, text=True, check=False
    ).stdout
    if "--offline" not in help_text:
        pytest.skip("systemd-analyze too old for offline security checks")
    for name in ("edge-gateway.service", "edge-gateway-backup.service"):
        score = exposure(analyze, unit_dir / name)
        assert score <= MAX_EXPOSURE, (name, score)
        docs = (REPO / "docs/installing.md").read_text("utf-8")
        assert f"Overall exposure level for {name}: {score}" in docs, (
            f"docs/installing.md records another score for {name} than {score}"
        )


def test_service_watchdog_restart_and_sandbox() -> None:
    d = directives(UNITS / "edge-gateway.service")
    assert d["Type"] == ["notify"] and d["NotifyAccess"] == ["main"]
    assert int(d["WatchdogSec"][0]) >= 10
    assert d["Restart"] == ["on-failure"]
    assert d["User"] == ["edge-gateway"]
    assert set(d["SupplementaryGroups"][0].split()) == {"bluetooth", "dialout"}
    assert d["ProtectSystem"] == ["strict"] and d["PrivateTmp"] == ["yes"]
    assert d["StateDirectory"] == ["edge-gateway"]
    assert d["DevicePolicy"] == ["closed"]
    assert {v.split()[0] for v in d["DeviceAllow"]} == {"char-ttyACM", "char-ttyUSB"}
    families = set(d["RestrictAddressFamilies"][0].split())
    assert families == {"AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK", "AF_BLUETOOTH"}
    assert d["CapabilityBoundingSet"] == [""]
    assert "--config /etc/edge-gateway/gateway.toml" in d["ExecStart"][0]


def test_backup_timer_is_persistent() -> None:
    timer = directives(UNITS / "edge-gateway-backup.timer")
    assert timer["Persistent"] == ["true"] and timer["OnCalendar"]
    backup = directives(UNITS / "edge-gateway-backup.service")
    assert backup["PrivateNetwork"] == ["yes"]
    assert "--keep" in backup["ExecStart"][0]


def test_sysusers_creates_the_account(tmp_path: Path) -> None:
    sysusers = tool("systemd-sysusers")
    (tmp_path / "etc").mkdir()
    result = subprocess.run(
        [sysusers, f"--root={tmp_path}", str(UNITS / "edge-gateway.sysusers")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    passwd = (tmp_path / "etc/passwd").read_text()
    assert re.search(r"^edge-gateway:x:\d+:\d+:.*:/var/lib/edge-gateway:", passwd, re.M)
    groups = (tmp_path / "etc/group").read_text()
    for group in ("bluetooth", "dialout"):
        assert re.search(rf"^{group}:x:\d+:.*edge-gateway", groups, re.M), groups
