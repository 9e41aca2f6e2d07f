"""Machine fingerprint: stable for one machine, changes with hardware or tool version, never raises."""

from __future__ import annotations

from pathlib import Path

from ggzy.vault.fingerprint import cpu_ids, disk_ids, mac_addresses, machine_fingerprint


def fake_machine(root: Path, *, mac: str = "52:54:00:12:34:56", serial: str = "WD-123") -> Path:
    (root / "proc").mkdir(parents=True)
    (root / "proc/cpuinfo").write_text("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon(R) 8375C\n")
    (root / "sys/block/sda/device").mkdir(parents=True)
    (root / "sys/block/sda/device/serial").write_text(serial + "\n")
    (root / "sys/block/loop0").mkdir(parents=True)
    (root / "sys/class/net/eth0").mkdir(parents=True)
    (root / "sys/class/net/eth0/address").write_text(mac + "\n")
    (root / "sys/class/net/lo").mkdir(parents=True)
    (root / "sys/class/net/lo/address").write_text("00:00:00:00:00:00\n")
    return root


def no_node() -> int:
    return 1 << 40  # uuid's "random node" bit: ignored


def test_sources_are_read(tmp_path: Path) -> None:
    root = fake_machine(tmp_path / "m")
    assert cpu_ids(root) == ["model name=Xeon(R) 8375C", "vendor_id=GenuineIntel"]
    assert disk_ids(root) == ["sda:device/serial=WD-123"]
    assert mac_addresses(root, getnode=no_node) == ["52:54:00:12:34:56"]
    assert mac_addresses(root, getnode=lambda: 0x0242AC110002) == ["02:42:ac:11:00:02", "52:54:00:12:34:56"]


def test_same_machine_same_hash_and_changes_are_seen(tmp_path: Path) -> None:
    a = machine_fingerprint("ggzy-seal/1", fake_machine(tmp_path / "a"), getnode=no_node)
    b = machine_fingerprint("ggzy-seal/1", fake_machine(tmp_path / "b"), getnode=no_node)
    assert a == b and len(a.hash) == 64 and a.sources == 4
    assert machine_fingerprint("ggzy-seal/2", tmp_path / "a", getnode=no_node).hash != a.hash
    other_mac = machine_fingerprint("ggzy-seal/1", fake_machine(tmp_path / "c", mac="52:54:00:ff:ff:ff"),
                                    getnode=no_node)
    other_disk = machine_fingerprint("ggzy-seal/1", fake_machine(tmp_path / "d", serial="WD-999"), getnode=no_node)
    assert len({a.hash, other_mac.hash, other_disk.hash}) == 3


def test_never_raises_on_an_empty_or_hostile_machine(tmp_path: Path) -> None:
    def boom() -> int:
        raise RuntimeError("no node")

    empty = machine_fingerprint("t", tmp_path / "nothing", getnode=boom)
    assert empty.sources == 0 and len(empty.hash) == 64
    root = tmp_path / "weird"
    (root / "proc/cpuinfo").mkdir(parents=True)  # a directory where a file should be
    assert machine_fingerprint("t", root, getnode=boom).sources == 0


def test_real_machine_best_effort() -> None:
    fp = machine_fingerprint("ggzy-seal/test")
    assert len(fp.hash) == 64
