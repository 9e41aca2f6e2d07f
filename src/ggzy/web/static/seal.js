/* ggzy sealed bids in the browser: the same envelope as `ggzy seal` (docs/sealing.md), byte for byte.
 *
 * WebCrypto does the cryptography (X25519, HKDF-SHA256, AES-256-GCM); files are read with Blob.slice in
 * pieces so a multi-GB bid never sits whole in memory. SHA-256 of files and of the whole envelope is a small
 * incremental implementation here, because crypto.subtle.digest cannot hash a stream.
 *
 *   const sealed = await GgzySeal.sealBid({
 *     lotId, bidderId, form: {price: "1234567.89", duration_days: 180, quality_commitment: "合格",
 *                             project_manager: {name: "张三", id_number: "..."}},
 *     files: [fileInput.files[0], ...],          // File objects (or {name, blob})
 *     recipients: [{publicKey: "<64 hex>", role: "opening"}, {publicKey: myHex, role: "bidder"}],
 *     onPart: async (bytes) => upload(bytes),    // optional: stream parts out instead of building a Blob
 *     onProgress: (done, total) => {},
 *   });
 *   sealed.blob, sealed.ciphertextHash, sealed.size, sealed.header
 */
(function (global) {
  "use strict";

  const MAGIC = new TextEncoder().encode("GGZYSEAL");
  const VERSION = 1;
  const SUITE = "x25519-hkdf-sha256-aes256gcm";
  const WRAP_LABEL = "ggzy-seal/v1/wrap";
  const DEFAULT_CHUNK_SIZE = 1 << 20;
  const TAG_LEN = 16;
  const PRICE = /^(0|[1-9]\d{0,14})(\.\d{1,2})?$/;
  const subtle = global.crypto && global.crypto.subtle;
  const enc = new TextEncoder();

  // ---- SHA-256 (FIPS 180-4), incremental ---------------------------------------------------------------
  const K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);

  class Sha256 {
    constructor() {
      this.h = new Int32Array([
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
      ]);
      this.w = new Int32Array(64);
      this.buf = new Uint8Array(64);
      this.bufLen = 0;
      this.length = 0;
    }

    update(data) {
      const n = data.length;
      let pos = 0;
      this.length += n;
      if (this.bufLen) {
        const take = Math.min(64 - this.bufLen, n);
        this.buf.set(data.subarray(0, take), this.bufLen);
        this.bufLen += take;
        pos = take;
        if (this.bufLen < 64) return this;
        this._block(this.buf, 0);
        this.bufLen = 0;
      }
      for (; pos + 64 <= n; pos += 64) this._block(data, pos);
      if (pos < n) {
        this.buf.set(data.subarray(pos), 0);
        this.bufLen = n - pos;
      }
      return this;
    }

    _block(p, off) {
      const w = this.w, H = this.h;
      for (let i = 0; i < 16; i++) {
        const j = off + 4 * i;
        w[i] = (p[j] << 24) | (p[j + 1] << 16) | (p[j + 2] << 8) | p[j + 3];
      }
      for (let i = 16; i < 64; i++) {
        const x = w[i - 15], y = w[i - 2];
        const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      let a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
      for (let i = 0; i < 64; i++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      H[0] = (H[0] + a) | 0; H[1] = (H[1] + b) | 0; H[2] = (H[2] + c) | 0; H[3] = (H[3] + d) | 0;
      H[4] = (H[4] + e) | 0; H[5] = (H[5] + f) | 0; H[6] = (H[6] + g) | 0; H[7] = (H[7] + h) | 0;
    }

    digest() {
      const len = this.length;
      const pad = new Uint8Array(((this.bufLen < 56 ? 56 : 120) - this.bufLen) + 8);
      pad[0] = 0x80;
      const view = new DataView(pad.buffer);
      view.setUint32(pad.length - 8, Math.floor(len / 0x20000000));
      view.setUint32(pad.length - 4, (len % 0x20000000) * 8);
      this.update(pad);
      const out = new Uint8Array(32);
      const ov = new DataView(out.buffer);
      for (let i = 0; i < 8; i++) ov.setInt32(4 * i, this.h[i]);
      return out;
    }
  }

  // ---- helpers -----------------------------------------------------------------------------------------
  function hex(bytes) {
    let s = "";
    for (let i = 0; i < bytes.length; i++) s += bytes[i].toString(16).padStart(2, "0");
    return s;
  }

  function unhex(text) {
    if (typeof text !== "string" || !/^([0-9a-fA-F]{2})*$/.test(text)) throw new SealError("KEY_INVALID", "公钥应为十六进制");
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
    return out;
  }

  function concat(parts) {
    const total = parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let pos = 0;
    for (const p of parts) { out.set(p, pos); pos += p.length; }
    return out;
  }

  function u32(n) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n);
    return b;
  }

  /** Canonical JSON: keys sorted, no spaces, integers only — the same bytes as Python's json.dumps(
   *  sort_keys=True, separators=(",", ":"), ensure_ascii=False). */
  function canonicalJSON(value) {
    if (typeof value === "string" && value.isWellFormed && !value.isWellFormed()) {
      throw new SealError("ENVELOPE_MALFORMED", "文本含有无效的 Unicode 字符");
    }
    if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
    if (typeof value === "number") {
      if (!Number.isSafeInteger(value)) throw new SealError("ENVELOPE_MALFORMED", "规范 JSON 只允许整数");
      return String(value);
    }
    if (Array.isArray(value)) return "[" + value.map(canonicalJSON).join(",") + "]";
    if (typeof value === "object") {
      const keys = Object.keys(value).sort();
      return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonicalJSON(value[k])).join(",") + "}";
    }
    throw new SealError("ENVELOPE_MALFORMED", "无法编码的值");
  }

  class SealError extends Error {
    constructor(code, message, field) {
      super(message);
      this.code = code;
      this.field = field || null;
    }
  }

  function checkForm(form) {
    const bad = (field, msg) => { throw new SealError("BID_FORM_INVALID", "投标表单错误：" + msg, field); };
    if (!form || typeof form !== "object") bad("form", "投标表单应为对象");
    if (typeof form.price !== "string" || !PRICE.test(form.price)) bad("price", "投标报价 price 应为以元为单位的十进制字符串（最多两位小数）");
    if (!Number.isInteger(form.duration_days) || form.duration_days < 1 || form.duration_days > 36500) bad("duration_days", "工期 duration_days 应为 1–36500 的整数");
    if (typeof form.quality_commitment !== "string" || !form.quality_commitment || form.quality_commitment.length > 500) bad("quality_commitment", "质量承诺应为 1–500 字");
    const pm = form.project_manager;
    if (!pm || typeof pm !== "object") bad("project_manager", "项目负责人应含 name 与 id_number");
    if (typeof pm.name !== "string" || !pm.name || pm.name.length > 64) bad("project_manager.name", "项目负责人姓名应为 1–64 字");
    if (typeof pm.id_number !== "string" || !pm.id_number || pm.id_number.length > 64) bad("project_manager.id_number", "项目负责人证件号应为 1–64 字符");
    const extra = form.extra || {};
    if (typeof extra !== "object" || Array.isArray(extra) || Object.keys(extra).length > 32 ||
        !Object.values(extra).every((v) => typeof v === "string" && v.length <= 2000)) bad("extra", "extra 应为最多 32 项的字符串映射");
    const out = {
      duration_days: form.duration_days,
      price: form.price,
      project_manager: { id_number: pm.id_number, name: pm.name },
      quality_commitment: form.quality_commitment,
    };
    if (Object.keys(extra).length) out.extra = extra;
    return out;
  }

  function checkName(name) {
    if (typeof name !== "string" || !name || name.length > 255 || name === "." || name === ".." || /[\/\\\u0000-\u001f]/.test(name)) {
      throw new SealError("BID_FORM_INVALID", "文件名 " + JSON.stringify(name) + " 无效", "files");
    }
  }

  async function keyIdOf(rawPublic) {
    return hex(new Uint8Array(await subtle.digest("SHA-256", rawPublic))).slice(0, 32);
  }

  async function wrapKey(dataKey, recipient, ctx) {
    const pub = recipient.publicKey instanceof Uint8Array ? recipient.publicKey : unhex(recipient.publicKey);
    if (pub.length !== 32) throw new SealError("KEY_INVALID", "X25519 公钥应为 32 字节", "recipients");
    if (recipient.role !== "opening" && recipient.role !== "bidder") throw new SealError("ENVELOPE_MALFORMED", "接收方角色应为 opening 或 bidder", "recipients");
    const keyId = await keyIdOf(pub);
    const theirs = await subtle.importKey("raw", pub, { name: "X25519" }, false, []);
    const eph = await subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]);
    const ephPub = new Uint8Array(await subtle.exportKey("raw", eph.publicKey));
    const shared = await subtle.deriveBits({ name: "X25519", public: theirs }, eph.privateKey, 256);
    const info = enc.encode(canonicalJSON([WRAP_LABEL, SUITE, ctx.lotId, ctx.bidderId, keyId, recipient.role]));
    const ikm = await subtle.importKey("raw", shared, "HKDF", false, ["deriveBits"]);
    const kek = await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: concat([ephPub, pub]), info }, ikm, 256);
    const kekKey = await subtle.importKey("raw", kek, { name: "AES-GCM" }, false, ["encrypt"]);
    const wrapped = await subtle.encrypt({ name: "AES-GCM", iv: new Uint8Array(12), tagLength: 128 }, kekKey, dataKey);
    return {
      ephemeral_public_key: hex(ephPub),
      key_id: keyId,
      role: recipient.role,
      wrapped_key: hex(new Uint8Array(wrapped)),
    };
  }

  function utcSeconds(date) {
    return date.toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  /** The plaintext container's parts, file bytes read lazily: [{bytes}] or [{blob, name}] markers. */
  function containerPlan(formBytes, files) {
    const plan = [concat([u32(formBytes.length), formBytes])];
    let total = plan[0].length + 1;
    for (const f of files) {
      const entry = enc.encode(canonicalJSON({ name: f.name, size: f.blob.size }));
      plan.push(concat([new Uint8Array([1]), u32(entry.length), entry]));
      plan.push({ file: f });
      total += 5 + entry.length + f.blob.size + 32;
    }
    plan.push(new Uint8Array([0]));
    return { plan, total };
  }

  async function sealBid(opts) {
    if (!subtle) throw new SealError("BROWSER_UNSUPPORTED", "浏览器不支持 WebCrypto（需 HTTPS 或本机地址）");
    const chunkSize = opts.chunkSize || DEFAULT_CHUNK_SIZE;
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > (1 << 24)) throw new SealError("ENVELOPE_MALFORMED", "chunk_size 超出范围");
    const lotId = String(opts.lotId || ""), bidderId = String(opts.bidderId || "");
    if (!lotId || !bidderId || lotId.length > 128 || bidderId.length > 128) throw new SealError("ENVELOPE_MALFORMED", "缺少标段或投标人编号");
    const recipients = opts.recipients || [];
    if (!recipients.some((r) => r.role === "opening")) throw new SealError("ENVELOPE_MALFORMED", "缺少开标公钥（opening）", "recipients");
    if (recipients.length > 8) throw new SealError("ENVELOPE_MALFORMED", "接收方最多 8 个", "recipients");
    const metadata = opts.metadata || {};
    if (typeof metadata !== "object" || Object.keys(metadata).length > 16 ||
        !Object.entries(metadata).every(([k, v]) => k.length <= 64 && typeof v === "string" && v.length <= 256)) {
      throw new SealError("ENVELOPE_MALFORMED", "metadata 应为最多 16 项的字符串映射", "metadata");
    }
    const files = (opts.files || []).map((f) => (f instanceof Blob && !f.blob ? { name: f.name, blob: f } : f));
    if (files.length > 1000) throw new SealError("BID_FORM_INVALID", "文件数不得超过 1000", "files");
    const names = new Set();
    for (const f of files) {
      checkName(f.name);
      if (names.has(f.name)) throw new SealError("BID_FORM_INVALID", "文件名重复：" + f.name, "files");
      names.add(f.name);
    }
    const formBytes = enc.encode(canonicalJSON(checkForm(opts.form)));

    const dataKeyBytes = global.crypto.getRandomValues(new Uint8Array(32));
    const ctx = { lotId, bidderId };
    const wrapped = [];
    for (const r of recipients) wrapped.push(await wrapKey(dataKeyBytes, r, ctx));
    if (new Set(wrapped.map((w) => w.key_id)).size !== wrapped.length) {
      throw new SealError("ENVELOPE_MALFORMED", "同一密钥重复出现在接收方中", "recipients");
    }
    const dataKey = await subtle.importKey("raw", dataKeyBytes, { name: "AES-GCM" }, false, ["encrypt"]);
    dataKeyBytes.fill(0);
    const noncePrefix = global.crypto.getRandomValues(new Uint8Array(8));
    const header = {
      bidder_id: bidderId,
      chunk_size: chunkSize,
      created_at: utcSeconds(opts.createdAt || new Date()),
      lot_id: lotId,
      metadata,
      nonce_prefix: hex(noncePrefix),
      recipients: wrapped,
      suite: SUITE,
    };
    const headerBytes = enc.encode(canonicalJSON(header));
    const preamble = concat([MAGIC, new Uint8Array([VERSION]), u32(headerBytes.length), headerBytes]);
    const headerHash = new Uint8Array(await subtle.digest("SHA-256", preamble));

    const envelopeHash = new Sha256().update(preamble);
    const collected = [];
    const emit = async (bytes) => {
      if (opts.onPart) await opts.onPart(bytes);
      else collected.push(bytes);
    };
    await emit(preamble);
    let size = preamble.length;

    const { plan, total } = containerPlan(formBytes, files);
    const nChunks = Math.max(1, Math.ceil(total / chunkSize));
    const chunk = new Uint8Array(chunkSize);
    let fill = 0, counter = 0, done = 0;
    const nonce = new Uint8Array(12), aad = new Uint8Array(37);
    nonce.set(noncePrefix, 0);
    aad.set(headerHash, 0);

    const flush = async () => {
      const final = counter === nChunks - 1;
      new DataView(nonce.buffer).setUint32(8, counter);
      new DataView(aad.buffer).setUint32(32, counter);
      aad[36] = final ? 1 : 0;
      const ct = new Uint8Array(await subtle.encrypt(
        { name: "AES-GCM", iv: nonce, additionalData: aad, tagLength: 128 }, dataKey, chunk.subarray(0, fill)));
      envelopeHash.update(ct);
      size += ct.length;
      await emit(ct);
      counter += 1;
      fill = 0;
    };
    const feed = async (bytes) => {
      let pos = 0;
      while (pos < bytes.length) {
        const take = Math.min(chunkSize - fill, bytes.length - pos);
        chunk.set(bytes.subarray(pos, pos + take), fill);
        fill += take;
        pos += take;
        done += take;
        if (fill === chunkSize && done < total) await flush();  // the last full chunk waits: it is final
      }
      if (opts.onProgress) opts.onProgress(done, total);
    };

    const fileHashes = [];
    for (const item of plan) {
      if (item instanceof Uint8Array) { await feed(item); continue; }
      const blob = item.file.blob, piece = Math.max(chunkSize, 1 << 20), h = new Sha256();
      for (let off = 0; off < blob.size; off += piece) {
        const bytes = new Uint8Array(await blob.slice(off, Math.min(off + piece, blob.size)).arrayBuffer());
        h.update(bytes);
        await feed(bytes);
      }
      const digest = h.digest();
      fileHashes.push({ name: item.file.name, size: blob.size, sha256: hex(digest) });
      await feed(digest);
    }
    await flush();  // the final chunk (empty only when everything is)
    if (counter !== nChunks || done !== total) throw new Error("internal: chunk count mismatch");
    return {
      blob: opts.onPart ? null : new Blob(collected, { type: "application/vnd.ggzy.sealed-bid" }),
      ciphertextHash: hex(envelopeHash.digest()),
      size,
      header,
      files: fileHashes,
    };
  }

  function looksLikeEnvelope(bytes) {
    if (bytes.length < MAGIC.length) return false;
    for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) return false;
    return true;
  }

  global.GgzySeal = {
    VERSION, SUITE, DEFAULT_CHUNK_SIZE, TAG_LEN, SealError, Sha256,
    sha256: (bytes) => hex(new Sha256().update(bytes).digest()),
    canonicalJSON, keyIdOf: async (raw) => keyIdOf(raw instanceof Uint8Array ? raw : unhex(raw)),
    sealBid, looksLikeEnvelope,
  };
})(typeof window !== "undefined" ? window : globalThis);
