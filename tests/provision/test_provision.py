"""Provisioning from an answers file into a temporary root, and running it again."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path

import pytest

from edge.config import load_config
from edge.provision import Layout, ProvisionError, Request, provision, request_from_file
from edge.provision.errors import CertificateError, RosterError
from edge.store import Store
from edge.uplink.config import UplinkConfig
from edge.web.security import password_ok
from tests.provision.pki import downlink_key, make_ca, sign_csr

ROSTER = "seat,id,name,pseudonym\n1,s01,李华,p-0001\n2,s02,王芳,p-0002\n3,s03,张伟,\n"

ANSWERS = """
[classroom]
city = "shenzhen"
school = "nanshan-03"
grade = 8
class = "2"

[broker]
url = "mqtts://mqtt.city.example:8883"
ca = "ca/ca.crt"
downlink_keys = ["city-downlink.pem"]

[teacher]
password = "blackboard-42"

[web]
port = 8090

[roster]
csv = "roster.csv"

[pens]
1 = "9c:7b:d2:00:00:01"
2 = "9C-7B-D2-00-00-02"

[clickers]
1 = "10002a"
3 = "0x10002C"
"""


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    folder = tmp_path / "install"
    folder.mkdir()
    (folder / "roster.csv").write_text(ROSTER, encoding="utf-8")
    make_ca(folder / "ca")
    downlink_key(folder)
    path = folder / "answers.toml"
    path.write_text(ANSWERS, encoding="utf-8")
    return path


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    return Layout(tmp_path / "root")


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under root with its content and modification time."""
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


def test_provision_from_file_writes_a_working_gateway(
    answers: Path, layout: Layout
) -> None:
    report = provision(request_from_file(answers), layout)

    config = load_config(layout.config_file)
    assert config.gateway_id == "shenzhen-nanshan-03-8-2" == report.gateway_id
    assert config.classroom == "8-2"
    assert config.db == layout.db_file
    assert config.web.port == 8090
    assert config.web.host == "0.0.0.0"
    assert password_ok(config.web.teacher_password_hash, "blackboard-42")
    assert config.web.secret_key
    # Until the city signs the request, the broker waits: the uplink would
    # refuse to start without a certificate, and the page must not wait.
    assert config.section("uplink") == {}
    pending = config.section("provision")["pending_broker"]
    assert pending == "mqtts://mqtt.city.example:8883"
    assert layout.ca_file.read_bytes() == (answers.parent / "ca/ca.crt").read_bytes()
    assert layout.csr_file.exists()
    assert oct(layout.key_file.stat().st_mode & 0o777) == "0o640"
    assert oct(layout.config_file.stat().st_mode & 0o777) == "0o640"

    store = Store(layout.db_file, config.gateway_id)
    try:
        students = {s.id: s for s in store.students()}
        assert students["s01"].name == "李华"
        assert students["s01"].pseudonym == "p-0001"
        assert students["s03"].pseudonym.startswith("p-")
        assert store.device_bindings("pen") == {
            "9C:7B:D2:00:00:01": "s01",
            "9C:7B:D2:00:00:02": "s02",
        }
        assert store.device_bindings("clicker") == {
            "0010002A": "s01",
            "0010002C": "s03",
        }
    finally:
        store.close()
    chart = layout.chart_svg.read_text(encoding="utf-8")
    assert "李华" in chart and "00:00:01" in chart
    assert any(str(layout.csr_file) in n for n in report.notes)


def test_second_run_changes_nothing(answers: Path, layout: Layout) -> None:
    request = request_from_file(answers)
    # The password is what changes the stored hash (a fresh salt), so the
    # repeat run leaves it out, as an installer re-running the file would not.
    provision(request, layout)
    before = snapshot(layout.root)

    report = provision(request_from_file(answers).merged(Request()), layout)
    again = provision(Request(), layout)

    assert not again.changed, again.steps
    changed = {s.name for s in report.steps if s.changed}
    assert changed <= {"configuration", "teacher password"}
    after = snapshot(layout.root)
    assert set(after) == set(before)
    for name in before:
        if name.endswith("gateway.toml"):
            continue
        assert after[name] == before[name], name


def test_rerun_without_pseudonyms_keeps_the_ones_in_use(
    answers: Path, layout: Layout
) -> None:
    provision(request_from_file(answers), layout)
    store = Store(layout.db_file, "x")
    first = {s.id: s.pseudonym for s in store.students()}
    store.close()
    plain = answers.parent / "plain.csv"
    plain.write_text("seat,id,name\n1,s01,李华\n2,s02,王芳\n3,s03,张伟\n", "utf-8")

    report = provision(Request(roster_csv=plain), layout)

    store = Store(layout.db_file, "x")
    assert {s.id: s.pseudonym for s in store.students()} == first
    store.close()
    assert not report.changed


def test_only_what_was_asked_changes(answers: Path, layout: Layout) -> None:
    provision(request_from_file(answers), layout)
    before = tomllib.loads(layout.config_file.read_text("utf-8"))
    key_before = layout.key_file.read_bytes()

    report = provision(Request(web_port=9000), layout)

    after = tomllib.loads(layout.config_file.read_text("utf-8"))
    assert after["web"].pop("port") == 9000
    before["web"].pop("port")
    assert after == before
    assert layout.key_file.read_bytes() == key_before
    assert [s.name for s in report.steps if s.changed] == ["configuration"]


def test_sections_owned_by_others_survive(answers: Path, layout: Layout) -> None:
    provision(request_from_file(answers), layout)
    text = layout.config_file.read_text("utf-8")
    layout.config_file.write_text(
        text + '\n[clicker]\nport = "/dev/ttyACM0"\n[answers]\nidle_ms = 3000\n'
    )

    provision(Request(grade=9), layout)

    doc = tomllib.loads(layout.config_file.read_text("utf-8"))
    assert doc["clicker"] == {"port": "/dev/ttyACM0"}
    assert doc["answers"] == {"idle_ms": 3000}
    assert doc["gateway"]["id"] == "shenzhen-nanshan-03-9-2"


def test_identity_change_makes_a_new_request_and_says_so(
    answers: Path, layout: Layout
) -> None:
    provision(request_from_file(answers), layout)
    old_csr = layout.csr_file.read_bytes()

    report = provision(Request(klass="3"), layout)

    assert layout.csr_file.read_bytes() != old_csr
    assert report.gateway_id == "shenzhen-nanshan-03-8-3"
    assert any("gateway id changed" in n for n in report.notes)


def test_city_issued_id_is_kept_when_the_class_is_renamed(
    answers: Path, layout: Layout
) -> None:
    provision(request_from_file(answers).merged(Request(gateway_id="SZ0042")), layout)
    report = provision(Request(klass="3"), layout)
    assert report.gateway_id == "SZ0042"


def test_certificate_signed_by_the_city_is_installed(
    answers: Path, layout: Layout, tmp_path: Path
) -> None:
    provision(request_from_file(answers), layout)
    ca = answers.parent / "ca"
    signed = sign_csr(
        layout.csr_file, ca / "ca.crt", ca / "ca.key", tmp_path / "gw.crt"
    )

    report = provision(Request(certificate=signed), layout)

    assert layout.cert_file.read_bytes() == signed.read_bytes()
    changed = [s.name for s in report.steps if s.changed]
    assert changed == ["certificate", "configuration"]
    config = load_config(layout.config_file)
    uplink = config.section("uplink")
    assert uplink["broker"] == "mqtts://mqtt.city.example:8883"
    assert uplink["client_id"] == config.gateway_id
    assert Path(uplink["key_file"]) == layout.key_file
    assert Path(uplink["cert_file"]) == layout.cert_file
    assert Path(uplink["ca_file"]) == layout.ca_file
    assert len(uplink["downlink_keys"]) == 1
    assert "provision" not in config.sections
    UplinkConfig.from_mapping(uplink)  # the uplink accepts what was written
    assert not provision(Request(certificate=signed), layout).changed


def test_new_key_sets_the_old_certificate_aside(
    answers: Path, layout: Layout, tmp_path: Path
) -> None:
    provision(request_from_file(answers), layout)
    ca = answers.parent / "ca"
    signed = sign_csr(layout.csr_file, ca / "ca.crt", ca / "ca.key", tmp_path / "c.crt")
    provision(Request(certificate=signed), layout)

    report = provision(Request(new_key=True), layout)

    assert not layout.cert_file.exists()
    assert any("old certificate moved" in s.detail for s in report.steps)
    config = load_config(layout.config_file)
    assert config.section("uplink") == {}
    assert config.section("provision")["pending_broker"].startswith("mqtts://")


def test_bad_certificates_are_refused_and_nothing_is_installed(
    answers: Path, layout: Layout, tmp_path: Path
) -> None:
    provision(request_from_file(answers), layout)
    ca = answers.parent / "ca"
    other_ca = make_ca(tmp_path / "other")
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    cases = {
        "expired": sign_csr(
            layout.csr_file,
            ca / "ca.crt",
            ca / "ca.key",
            tmp_path / "old.crt",
            valid_from=long_ago,
            valid_days=30,
        ),
        "not signed by the city CA": sign_csr(
            layout.csr_file, other_ca[0], other_ca[1], tmp_path / "other.crt"
        ),
    }
    for reason, path in cases.items():
        with pytest.raises(CertificateError, match=reason):
            provision(Request(certificate=path), layout)
    garbage = tmp_path / "garbage.crt"
    garbage.write_text("not a certificate")
    with pytest.raises(CertificateError, match="cannot read certificate"):
        provision(Request(certificate=garbage), layout)
    assert not layout.cert_file.exists()


def test_certificate_for_another_key_is_refused(
    answers: Path, layout: Layout, tmp_path: Path
) -> None:
    provision(request_from_file(answers), layout)
    ca = answers.parent / "ca"
    signed = sign_csr(layout.csr_file, ca / "ca.crt", ca / "ca.key", tmp_path / "a.crt")
    provision(Request(new_key=True), layout)
    with pytest.raises(CertificateError, match="different private key"):
        provision(Request(certificate=signed), layout)


def test_first_run_needs_the_whole_identity(layout: Layout) -> None:
    with pytest.raises(ProvisionError, match=r"classroom\.school"):
        provision(Request(city="shenzhen", grade=8, klass="2"), layout)
    assert not layout.config_file.exists()


def test_bad_roster_line_is_named_and_nothing_is_stored(
    answers: Path, layout: Layout
) -> None:
    provision(request_from_file(answers), layout)
    bad = answers.parent / "bad.csv"
    bad.write_text("seat,id,name\n4,s04,赵敏\n5,s05,\n", encoding="utf-8")

    with pytest.raises(RosterError, match=r"bad\.csv line 3: name"):
        provision(Request(roster_csv=bad), layout)

    store = Store(layout.db_file, "x")
    assert "s04" not in {s.id for s in store.students()}
    store.close()


def test_roster_keeps_students_left_out_and_guards_their_seats(
    answers: Path, layout: Layout
) -> None:
    provision(request_from_file(answers), layout)
    fewer = answers.parent / "fewer.csv"
    fewer.write_text("seat,id,name\n1,s01,李华\n", encoding="utf-8")
    report = provision(Request(roster_csv=fewer), layout)
    assert any("s02, s03" in n for n in report.notes)

    clash = answers.parent / "clash.csv"
    clash.write_text("seat,id,name\n2,s09,新同学\n", encoding="utf-8")
    with pytest.raises(ProvisionError, match="seat 2 is held by s02"):
        provision(Request(roster_csv=clash), layout)


def test_binding_to_an_empty_seat_is_refused(answers: Path, layout: Layout) -> None:
    provision(request_from_file(answers), layout)
    with pytest.raises(ProvisionError, match="seat 9 has no student"):
        provision(Request(pens=((9, "9C:7B:D2:00:00:09"),)), layout)


def test_moving_and_unbinding_devices(answers: Path, layout: Layout) -> None:
    provision(request_from_file(answers), layout)

    provision(Request(pens=((3, "9C:7B:D2:00:00:01"),)), layout)
    provision(Request(unbind=("0010002A",)), layout)

    store = Store(layout.db_file, "x")
    pens, clickers = store.device_bindings("pen"), store.device_bindings("clicker")
    store.close()
    assert pens == {"9C:7B:D2:00:00:01": "s03", "9C:7B:D2:00:00:02": "s02"}
    assert clickers == {"0010002C": "s03"}


def test_new_api_token_is_shown_once_and_stored_hashed(
    answers: Path, layout: Layout
) -> None:
    provision(request_from_file(answers), layout)
    report = provision(Request(new_api_token=True), layout)
    assert report.api_token
    text = layout.config_file.read_text("utf-8")
    assert report.api_token not in text
    assert load_config(layout.config_file).web.api_token_hash


def test_unreadable_existing_config_is_left_alone(layout: Layout) -> None:
    layout.config_dir.mkdir(parents=True)
    layout.config_file.write_text("[gateway\nbroken")
    with pytest.raises(ProvisionError, match="cannot be read"):
        provision(Request(city="a", school="b", grade=1, klass="1"), layout)
    assert layout.config_file.read_text() == "[gateway\nbroken"


def test_a_failed_run_leaves_no_temporary_files(answers: Path, layout: Layout) -> None:
    provision(request_from_file(answers), layout)
    with pytest.raises(ProvisionError):
        provision(Request(pens=((9, "9C:7B:D2:00:00:09"),)), layout)
    leftovers = [p for p in layout.root.rglob(".*") if p.is_file()]
    assert leftovers == []
    assert os.access(layout.config_file, os.R_OK)
