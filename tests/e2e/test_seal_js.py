"""seal.js in real Chromium: the browser seals a bid (WebCrypto + Blob.slice streaming), Python opens it.

Skipped only when Chromium is missing; with GGZY_E2E_REQUIRED=1 (CI) a missing browser fails (see conftest).
"""

from __future__ import annotations

import base64
import hashlib
import io
from typing import Any, BinaryIO

import pytest

from ggzy.core.errors import AppError
from ggzy.vault.envelope import read_header
from ggzy.vault.keys import PrivateKey
from ggzy.vault.seal import open_bid

pytestmark = pytest.mark.e2e

FORM = {"price": "1234567.89", "duration_days": 180, "quality_commitment": "合格，争创“飞天奖”\n",
        "project_manager": {"name": "张三", "id_number": "620102198001011234"}}

SEAL_IN_PAGE = """
async ([opening, bidder, form, sizes, chunkSize]) => {
  const pattern = (n, seed) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = (i * 31 + seed + (i >> 8)) & 255;
    return b;
  };
  const files = sizes.map((n, k) => new File([pattern(n, k)], k === 0 ? "技术标.pdf" : `附件${k}.bin`));
  const parts = [];
  let progress = 0;
  const sealed = await GgzySeal.sealBid({
    lotId: "GS-2026-001", bidderId: "B-77", form, files, chunkSize,
    recipients: [{publicKey: opening, role: "opening"}, {publicKey: bidder, role: "bidder"}],
    metadata: {tool: "ggzy-web/test"},
    onPart: async (bytes) => { parts.push(bytes.slice()); },
    onProgress: (done, total) => { progress = done / total; },
  });
  const blob = new Blob(parts);
  const buf = new Uint8Array(await blob.arrayBuffer());
  let bin = "";
  for (let i = 0; i < buf.length; i += 0x8000) {
    bin += String.fromCharCode.apply(null, buf.subarray(i, i + 0x8000));
  }
  return {b64: btoa(bin), hash: sealed.ciphertextHash, size: sealed.size, files: sealed.files, progress,
          parts: parts.length};
}
"""


def pattern(n: int, seed: int) -> bytes:
    return bytes((i * 31 + seed + (i >> 8)) & 255 for i in range(n))


@pytest.fixture
def seal_page(live_server, browser_page):  # type: ignore[no-untyped-def]
    page = browser_page
    page.goto(f"{live_server}/")
    page.add_script_tag(url=f"{live_server}/static/seal.js")
    assert page.evaluate("typeof GgzySeal.sealBid") == "function"
    return page


class Collect:
    def __init__(self) -> None:
        self.files: dict[str, io.BytesIO] = {}

    def __call__(self, name: str, size: int) -> BinaryIO:
        self.files[name] = io.BytesIO()
        return self.files[name]


@pytest.mark.parametrize(("sizes", "chunk"), [([300_000, 5, 0], 65_536), ([65_536 * 3], 4096), ([], 1 << 20)])
def test_browser_sealed_bid_opens_in_python(seal_page: Any, sizes: list[int], chunk: int) -> None:
    opening, bidder = PrivateKey.generate(), PrivateKey.generate()
    result = seal_page.evaluate(SEAL_IN_PAGE, [opening.public.raw.hex(), bidder.public.raw.hex(), FORM, sizes, chunk])
    blob = base64.b64decode(result["b64"])
    assert result["size"] == len(blob)
    assert result["hash"] == hashlib.sha256(blob).hexdigest()  # JS streaming SHA-256 == Python's
    assert result["progress"] == 1
    header = read_header(io.BytesIO(blob)).header  # canonical header: Python's validator accepts it
    assert header.chunk_size == chunk and header.lot_id == "GS-2026-001"
    assert header.metadata == {"tool": "ggzy-web/test"}
    assert [r.key_id for r in header.recipients] == [opening.key_id, bidder.key_id]
    for key in (opening, bidder):
        sink = Collect()
        opened = open_bid(io.BytesIO(blob), key, sink=sink, expect_lot_id="GS-2026-001", expect_bidder_id="B-77")
        assert opened.form.to_json() == FORM
        assert [f.size for f in opened.files] == sizes
        for k, info in enumerate(opened.files):
            data = pattern(sizes[k], k)
            assert sink.files[info.name].getvalue() == data
            assert info.sha256 == hashlib.sha256(data).hexdigest() == result["files"][k]["sha256"]
    with pytest.raises(AppError) as refused:
        open_bid(io.BytesIO(blob), PrivateKey.generate())
    assert refused.value.code == "ENVELOPE_KEY_MISMATCH"
    tampered = bytearray(blob)
    tampered[-20] ^= 1
    with pytest.raises(AppError) as refused:
        open_bid(io.BytesIO(bytes(tampered)), opening)
    assert refused.value.code == "ENVELOPE_TAMPERED"


def test_js_sha256_matches_webcrypto_and_bad_forms_are_refused_in_the_browser(seal_page: Any) -> None:
    ok = seal_page.evaluate("""async () => {
      const out = [];
      for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100000]) {
        const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = (i * 7 + 3) & 255;
        const hex = (bytes) => Array.from(bytes).map(x => x.toString(16).padStart(2, "0")).join("");
        const ref = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", b)));
        const h = new GgzySeal.Sha256(); h.update(b.subarray(0, n >> 1)); h.update(b.subarray(n >> 1));
        const mine = hex(h.digest());
        out.push(ref === mine && ref === GgzySeal.sha256(b));
      }
      return out;
    }""")
    assert all(ok) and len(ok) == 11
    opening = PrivateKey.generate().public.raw.hex()
    good = {"price": "1.23", "duration_days": 1, "quality_commitment": "x",
            "project_manager": {"name": "a", "id_number": "b"}}
    cases = [
        ({"form": {**good, "price": "1.234"}}, "BID_FORM_INVALID:price"),
        ({"form": {**good, "duration_days": 1.5}}, "BID_FORM_INVALID:duration_days"),
        ({"form": {**good, "project_manager": {"name": "名" * 65, "id_number": "b"}}},
         "BID_FORM_INVALID:project_manager.name"),
        ({"form": {**good, "extra": {"k": 1}}}, "BID_FORM_INVALID:extra"),
        ({"metadata": {"fingerprint": 5}}, "ENVELOPE_MALFORMED:metadata"),
        ({"lotId": "<lone surrogate>"}, "ENVELOPE_MALFORMED:null"),
        ({"recipients": []}, "ENVELOPE_MALFORMED:recipients"),
        ({"recipients": [{"publicKey": opening, "role": "opening"}, {"publicKey": opening, "role": "bidder"}]},
         "ENVELOPE_MALFORMED:recipients"),
    ]
    for change, expected in cases:
        got = seal_page.evaluate("""async ([opening, good, change]) => {
          const opts = {lotId: "L", bidderId: "B", form: good, files: [],
                        recipients: [{publicKey: opening, role: "opening"}], ...change};
          if (opts.lotId === "<lone surrogate>") opts.lotId = "L" + String.fromCharCode(0xd800);
          try { await GgzySeal.sealBid(opts); return "sealed"; } catch (e) { return e.code + ":" + e.field; }
        }""", [opening, good, change])
        assert got == expected, change
