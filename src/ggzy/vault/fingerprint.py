"""The preparing machine's fingerprint (for supervision: bids prepared on one machine by "different" bidders).

Only a SHA-256 over the collected identifiers leaves the machine: CPU model/serial, disk serials and WWIDs,
MAC addresses, and the tool version. Every source is best-effort (containers and VMs hide some); collecting
never raises, and an empty source simply contributes nothing.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ggzy.vault.envelope import canonical

FINGERPRINT_LABEL = "ggzy-fingerprint/v1"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except (OSError, ValueError):
        return ""


def cpu_ids(root: Path = Path("/")) -> list[str]:
    found: set[str] = set()
    for line in _read(root / "proc/cpuinfo").splitlines():
        key, _, value = line.partition(":")
        if key.strip() in {"model name", "vendor_id", "cpu family", "model", "Serial", "Hardware"} and value.strip():
            found.add(f"{key.strip()}={value.strip()}")
    return sorted(found)


def disk_ids(root: Path = Path("/")) -> list[str]:
    found: set[str] = set()
    try:
        blocks = sorted((root / "sys/block").iterdir())
    except OSError:
        blocks = []
    for block in blocks:
        if block.name.startswith(("loop", "ram", "zram", "dm-")):
            continue
        for name in ("device/serial", "device/wwid", "wwid", "serial"):
            value = _read(block / name)
            if value:
                found.add(f"{block.name}:{name}={value}")
    try:
        by_id = sorted(p.name for p in (root / "dev/disk/by-id").iterdir())
    except OSError:
        by_id = []
    found.update(f"by-id={n}" for n in by_id if "-part" not in n)
    return sorted(found)


def mac_addresses(root: Path = Path("/"), *, getnode: Callable[[], int] = uuid.getnode) -> list[str]:
    found: set[str] = set()
    try:
        interfaces = sorted((root / "sys/class/net").iterdir())
    except OSError:
        interfaces = []
    for iface in interfaces:
        if iface.name == "lo" or (iface / "bridge").exists() or iface.name.startswith(("veth", "docker", "virbr")):
            continue
        mac = _read(iface / "address").lower()
        if mac and mac != "00:00:00:00:00:00":
            found.add(mac)
    try:
        node = getnode()
        if not (node >> 40) & 1:  # bit set: uuid made up a random node, not a real MAC
            found.add(":".join(f"{(node >> s) & 0xFF:02x}" for s in range(40, -8, -8)))
    except Exception:  # noqa: S110 — best effort by design: a fingerprint never stops a bid
        pass
    return sorted(found)


@dataclass(frozen=True)
class Fingerprint:
    hash: str  # what is recorded
    sources: int  # how many identifiers went in (0: nothing readable; shown, never recorded)


def machine_fingerprint(
    tool_version: str, root: Path = Path("/"), *, getnode: Callable[[], int] = uuid.getnode
) -> Fingerprint:
    parts: dict[str, list[str]] = {"cpu": [], "disk": [], "mac": []}
    collectors: dict[str, Callable[[], list[str]]] = {
        "cpu": lambda: cpu_ids(root),
        "disk": lambda: disk_ids(root),
        "mac": lambda: mac_addresses(root, getnode=getnode),
    }
    for name, collect in collectors.items():
        try:
            parts[name] = collect()
        except Exception:  # noqa: S112 — never raise (see module doc)
            continue
    doc = {"label": FINGERPRINT_LABEL, "tool": tool_version, **parts}
    return Fingerprint(hash=hashlib.sha256(canonical(doc)).hexdigest(), sources=sum(len(v) for v in parts.values()))
