"""``ggzy keygen / seal / unseal / shares``: the bidder's and custodians' command line, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ggzy.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object] | None, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


def test_keygen_seal_unseal_and_threshold_opening(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path
    code, lot, _ = run(capsys, "keygen", "--out", str(d / "lot.key"))
    assert code == 0 and lot is not None
    assert (d / "lot.key").stat().st_mode & 0o777 == 0o600
    assert json.loads((d / "lot.key.pub").read_text())["key_id"] == lot["key_id"]
    run(capsys, "keygen", "--out", str(d / "me.key"))
    form = {"price": "987654.32", "duration_days": 90, "quality_commitment": "合格",
            "project_manager": {"name": "赵六", "id_number": "620102199001011234"}}
    (d / "form.json").write_text(json.dumps(form, ensure_ascii=False), encoding="utf-8")
    (d / "商务标.pdf").write_bytes(b"%PDF" + bytes(200_000))
    code, sealed, _ = run(capsys, "seal", "--lot", "GS-2026-001", "--bidder", "B-1", "--form", str(d / "form.json"),
                          "--to", str(d / "lot.key.pub"), "--self", str(d / "me.key.pub"), "--out",
                          str(d / "bid.ggzy"), "--chunk-size", "65536", str(d / "商务标.pdf"))
    assert code == 0 and sealed is not None
    assert len(str(sealed["fingerprint"])) == 64
    assert not (d / "bid.ggzy.part").exists()

    code, opened, _ = run(capsys, "unseal", str(d / "bid.ggzy"), "--key", str(d / "me.key"), "--out-dir",
                          str(d / "mine"))
    assert code == 0 and opened is not None
    assert (d / "mine/files/商务标.pdf").read_bytes() == (d / "商务标.pdf").read_bytes()
    assert json.loads((d / "mine/form.json").read_text()) == form
    assert opened["metadata"] == {"fingerprint": sealed["fingerprint"], "tool": "ggzy-seal/0.1.0"}

    code, split, _ = run(capsys, "shares", "split", "--key", str(d / "lot.key"), "--k", "2", "--n", "3",
                         "--custodian", "交易中心", "--custodian", "监督部门", "--custodian", "公证处",
                         "--out-dir", str(d / "s"))
    assert code == 0 and split is not None
    digest = str(split["commitments_digest"])
    code, _, _ = run(capsys, "unseal", str(d / "bid.ggzy"), "--share", str(d / "s/share-3.json"), "--share",
                     str(d / "s/share-1.json"), "--digest", digest, "--out-dir", str(d / "opened"))
    assert code == 0
    assert (d / "opened/files/商务标.pdf").stat().st_size == 200_004

    code, _, err = run(capsys, "unseal", str(d / "bid.ggzy"), "--share", str(d / "s/share-2.json"),
                       "--out-dir", str(d / "nope"))
    assert code == 1 and "SHARES_INSUFFICIENT" in err and not (d / "nope").exists()

    code, rebuilt, _ = run(capsys, "shares", "combine", str(d / "s/share-1.json"), str(d / "s/share-2.json"),
                           "--out", str(d / "rebuilt.key"))
    assert code == 0 and rebuilt is not None and rebuilt["key_id"] == lot["key_id"]


def test_refusals_print_code_and_leave_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path
    run(capsys, "keygen", "--out", str(d / "lot.key"))
    run(capsys, "keygen", "--out", str(d / "x.key"))
    code, _, err = run(capsys, "keygen", "--out", str(d / "lot.key"))
    assert code == 1 and "KEY_INVALID" in err  # never overwrites a key
    (d / "plain.pdf").write_bytes(b"%PDF-1.7 not sealed")
    code, _, err = run(capsys, "unseal", str(d / "plain.pdf"), "--key", str(d / "lot.key"), "--out-dir",
                       str(d / "o1"))
    assert code == 1 and "ENVELOPE_NOT_ENCRYPTED" in err and "第二十六条" in err
    assert not (d / "o1").exists()
    (d / "form.json").write_text('{"price": "1.234"}', encoding="utf-8")
    code, _, err = run(capsys, "seal", "--lot", "L", "--bidder", "B", "--form", str(d / "form.json"), "--to",
                       str(d / "lot.key.pub"), "--out", str(d / "bid.ggzy"))
    assert code == 1 and "BID_FORM_INVALID" in err and not (d / "bid.ggzy").exists()

    form = {"price": "1", "duration_days": 1, "quality_commitment": "合格",
            "project_manager": {"name": "甲", "id_number": "1"}}
    (d / "form.json").write_text(json.dumps(form), encoding="utf-8")
    (d / "a.txt").write_bytes(b"a" * 5000)
    assert run(capsys, "seal", "--lot", "L", "--bidder", "B", "--form", str(d / "form.json"), "--to",
               str(d / "lot.key.pub"), "--out", str(d / "bid.ggzy"), "--chunk-size", "1000", str(d / "a.txt"))[0] == 0
    code, _, err = run(capsys, "unseal", str(d / "bid.ggzy"), "--key", str(d / "x.key"), "--out-dir", str(d / "o2"))
    assert code == 1 and "ENVELOPE_KEY_MISMATCH" in err
    blob = bytearray((d / "bid.ggzy").read_bytes())
    blob[-3000] ^= 1  # a byte inside the file's chunks, after earlier chunks already streamed out
    (d / "bad.ggzy").write_bytes(bytes(blob))
    code, _, err = run(capsys, "unseal", str(d / "bad.ggzy"), "--key", str(d / "lot.key"), "--out-dir",
                       str(d / "o3"))
    assert code == 1 and "ENVELOPE_TAMPERED" in err
    assert not (d / "o3").exists() and not list(d.glob(".unseal-*"))


def test_missing_files_and_changing_files_leave_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = tmp_path
    run(capsys, "keygen", "--out", str(d / "lot.key"))
    code, _, err = run(capsys, "unseal", str(d / "missing.ggzy"), "--key", str(d / "lot.key"), "--out-dir",
                       str(d / "o"))
    assert code == 1 and "IO_ERROR" in err and not (d / "o").exists()
    code, _, err = run(capsys, "seal", "--lot", "L", "--bidder", "B", "--form", str(d / "nope.json"), "--to",
                       str(d / "lot.key.pub"), "--out", str(d / "bid.ggzy"))
    assert code == 1 and "BID_FORM_INVALID" in err
    form = {"price": "1", "duration_days": 1, "quality_commitment": "合格",
            "project_manager": {"name": "甲", "id_number": "1"}}
    (d / "form.json").write_text(json.dumps(form), encoding="utf-8")
    code, _, err = run(capsys, "seal", "--lot", "L", "--bidder", "B", "--form", str(d / "form.json"), "--to",
                       str(d / "lot.key.pub"), "--out", str(d / "bid.ggzy"), "--chunk-size", "0")
    assert code == 1 and "ENVELOPE_MALFORMED" in err and "chunk_size" in err
    assert not list(d.glob("bid.ggzy*"))  # the partial output was removed
