/* The opening key ceremony in the center's browser: an X25519 key pair is generated here, its private key
 * is split k of n (Shamir over GF(2^8), the AES field, exactly as ggzy.vault.threshold), each share is
 * offered as a file for its custodian, and only the public key, k, n, the custodians and the digest of the
 * share commitments are sent to the platform. The private key never leaves this page and is dropped after
 * the split, so the platform never holds it (docs/sealing.md §6).
 *
 * Needs seal.js (GgzySeal.keyIdOf, GgzySeal.canonicalJSON, GgzySeal.sha256).
 */
(function (global) {
  "use strict";

  const subtle = global.crypto && global.crypto.subtle;
  const enc = new TextEncoder();
  const COMMIT_LABEL = enc.encode("ggzy-share/v1/commit\u0000");

  // GF(2^8) with x^8+x^4+x^3+x+1, generator 3: the same tables as threshold.py.
  const EXP = new Uint8Array(512);
  const LOG = new Uint8Array(256);
  (function () {
    let x = 1;
    for (let i = 0; i < 255; i++) {
      EXP[i] = x;
      LOG[x] = i;
      x ^= ((x << 1) ^ (x & 0x80 ? 0x11b : 0)) & 0x1ff;
      x &= 0xff;
    }
    for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
  })();

  function mul(a, b) {
    return a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]];
  }

  function hex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function unhex(text) {
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
    return out;
  }

  function fromBase64Url(text) {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  }

  function splitSecret(secret, k, n) {
    const coeffs = [];
    for (let i = 0; i < k - 1; i++) coeffs.push(global.crypto.getRandomValues(new Uint8Array(secret.length)));
    const shares = [];
    for (let x = 1; x <= n; x++) {
      const out = new Uint8Array(secret.length);
      for (let j = 0; j < secret.length; j++) {
        let acc = 0;
        for (let c = coeffs.length - 1; c >= 0; c--) acc = mul(acc, x) ^ coeffs[c][j];
        out[j] = mul(acc, x) ^ secret[j];
      }
      shares.push(out);
    }
    for (const c of coeffs) c.fill(0);
    return shares;
  }

  async function sha256(bytes) {
    return new Uint8Array(await subtle.digest("SHA-256", bytes));
  }

  async function commitment(keyId, k, n, index, value) {
    const body = enc.encode(global.GgzySeal.canonicalJSON([keyId, k, n, index, hex(value)]));
    const data = new Uint8Array(COMMIT_LABEL.length + body.length);
    data.set(COMMIT_LABEL);
    data.set(body, COMMIT_LABEL.length);
    return sha256(data);
  }

  /** {publicKey, keyId, k, n, custodians, commitmentsDigest, shares: [share documents]} */
  async function generate({ k, n, custodians }) {
    if (!subtle) throw new Error("此浏览器不支持 WebCrypto，无法在本机生成开标密钥");
    if (!(Number.isInteger(k) && Number.isInteger(n) && 2 <= k && k <= n && n <= 255)) {
      throw new Error(`门限参数应满足 2 ≤ k ≤ n ≤ 255（现为 k=${k}、n=${n}）`);
    }
    if (custodians.length !== n || new Set(custodians).size !== n || custodians.some((c) => !c)) {
      throw new Error(`应填写 ${n} 个互不相同的保管人名称（每行一个）`);
    }
    const pair = await subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]);
    const publicKey = new Uint8Array(await subtle.exportKey("raw", pair.publicKey));
    const secret = fromBase64Url((await subtle.exportKey("jwk", pair.privateKey)).d);
    const keyId = await global.GgzySeal.keyIdOf(publicKey);
    const values = splitSecret(secret, k, n);
    secret.fill(0);
    const commits = [];
    for (let i = 0; i < n; i++) commits.push(await commitment(keyId, k, n, i + 1, values[i]));
    const all = new Uint8Array(32 * n);
    commits.forEach((c, i) => all.set(c, 32 * i));
    const commitmentsDigest = hex(await sha256(all));
    const shares = values.map((v, i) => ({
      commitments: commits.map(hex),
      custodian: custodians[i],
      index: i + 1,
      k,
      key_id: keyId,
      n,
      type: "ggzy.vault.share",
      v: 1,
      value: hex(v),
    }));
    return { publicKey: hex(publicKey), keyId, k, n, custodians, commitmentsDigest, shares };
  }

  function shareFile(share) {
    const keys = Object.keys(share).sort();
    const text = "{\n" + keys.map((key) => `  ${JSON.stringify(key)}: ${JSON.stringify(share[key])}`).join(",\n") + "\n}\n";
    return new Blob([text], { type: "application/json" });
  }

  // Page wiring: /lots/{id}/opening-key for center staff while no key is registered.
  function wire(doc) {
    const form = doc.getElementById("opening-key-form");
    const button = doc.getElementById("ceremony-button");
    if (!form || !button) return;
    const status = doc.getElementById("ceremony-status");
    const list = doc.getElementById("share-links");
    button.addEventListener("click", async () => {
      status.textContent = "";
      list.replaceChildren();
      try {
        const k = Number(form.elements.k.value);
        const n = Number(form.elements.n.value);
        const custodians = form.elements.custodians.value.split("\n").map((s) => s.trim()).filter(Boolean);
        const result = await generate({ k, n, custodians });
        form.elements.public_key.value = result.publicKey;
        form.elements.commitments_digest.value = result.commitmentsDigest;
        for (const share of result.shares) {
          const a = doc.createElement("a");
          a.href = URL.createObjectURL(shareFile(share));
          a.download = `opening-key-${result.keyId.slice(0, 8)}-share-${share.index}.json`;
          a.textContent = `第 ${share.index} 份（${share.custodian}）`;
          a.className = "share-link";
          a.dataset.share = JSON.stringify(share);
          const li = doc.createElement("li");
          li.append(a);
          list.append(li);
        }
        status.textContent = `已生成密钥 ${result.keyId}：请把每一份分片交给对应的保管人保存，然后提交登记。私钥未离开本页，已丢弃。`;
      } catch (err) {
        status.textContent = String(err.message || err);
      }
    });
  }

  global.GgzyCeremony = { generate, splitSecret, unhex };
  if (typeof document !== "undefined") {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => wire(document));
    else wire(document);
  }
})(typeof window !== "undefined" ? window : globalThis);
