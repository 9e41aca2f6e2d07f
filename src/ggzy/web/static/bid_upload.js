/* The bidder's submission page: seal in the browser (seal.js), then send the envelope with the resumable
 * upload in chunks, resuming from the server's offset after a broken connection, then show the receipt.
 * The envelope is built as a Blob first (Chromium spills large blobs to disk) so that any chunk can be
 * sent again; only ciphertext leaves the machine. */
(function () {
  "use strict";
  const CHUNK = 8 << 20;
  const form = document.getElementById("bid-form");
  if (!form) return;
  const statusEl = document.getElementById("bid-status");
  const bar = document.getElementById("bid-progress");
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  const say = (text) => { statusEl.textContent = text; };
  const show = (done, total) => { bar.hidden = false; bar.value = total ? Math.floor(done * 100 / total) : 100; };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  class Refused extends Error {
    constructor(body, status) {
      const e = (body && body.error) || {};
      super(`${e.message || "请求被拒绝"}（错误代码：${e.code || status}）`);
      this.code = e.code; this.details = e.details; this.status = status;
    }
  }

  async function call(method, url, body, headers) {
    const resp = await fetch(url, {
      method, body, credentials: "same-origin",
      headers: Object.assign({ "X-CSRF-Token": csrf(), Accept: "application/json" }, headers || {}),
    });
    const data = await resp.json().catch(() => null);
    if (!resp.ok) throw new Refused(data, resp.status);
    return data;
  }

  function bidderKey(text) {
    const t = text.trim();
    if (t.startsWith("{")) return JSON.parse(t).public_key;
    return t.toLowerCase();
  }

  async function upload(lotId, blob) {
    const saved = JSON.parse(sessionStorage.getItem("ggzy-upload-" + lotId) || "null");
    let id = saved && saved.size === blob.size ? saved.id : null;
    if (!id) {
      const started = await call("POST", `/lots/${lotId}/bid/uploads`, JSON.stringify({ declared_size: blob.size }),
        { "Content-Type": "application/json" });
      id = started.id;
      sessionStorage.setItem("ggzy-upload-" + lotId, JSON.stringify({ id, size: blob.size }));
    }
    let offset = (await call("GET", `/bid/uploads/${id}`)).offset;
    let failures = 0;
    while (offset < blob.size) {
      const end = Math.min(offset + CHUNK, blob.size);
      try {
        const r = await call("PUT", `/bid/uploads/${id}`, blob.slice(offset, end),
          { "Content-Range": `bytes ${offset}-${end - 1}/${blob.size}`, "Content-Type": "application/octet-stream" });
        offset = r.offset;
        failures = 0;
        show(offset, blob.size);
        say(`上传中：${offset} / ${blob.size} 字节`);
      } catch (err) {
        if (err instanceof Refused && err.code === "BID_UPLOAD_OFFSET_MISMATCH" && err.details) {
          offset = err.details[0].expected_offset;
          continue;
        }
        if (err instanceof Refused && err.status < 500 && err.code !== "BID_UPLOAD_BUSY") throw err;
        failures += 1;  // broken connection or busy: ask the server where to resume
        if (failures > 30) throw new Error("网络连接多次中断，请稍后重新递交（已传部分会保留到截止时间）");
        say(`连接中断，${Math.min(failures, 5)} 秒后从服务器记录的位置续传……`);
        await sleep(Math.min(failures, 5) * 1000);
        try { offset = (await call("GET", `/bid/uploads/${id}`)).offset; } catch (e) { /* retry */ }
      }
    }
    const bid = await call("POST", `/bid/uploads/${id}/complete`);
    sessionStorage.removeItem("ggzy-upload-" + lotId);
    return bid;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = new FormData(form);
    const button = document.getElementById("seal-button");
    button.disabled = true;
    try {
      const bid = {
        price: String(f.get("price")).trim(),
        duration_days: parseInt(f.get("duration_days"), 10),
        quality_commitment: String(f.get("quality_commitment")),
        project_manager: { name: String(f.get("pm_name")).trim(), id_number: String(f.get("pm_id")).trim() },
      };
      const lotId = form.dataset.lotId;
      say("正在本机加密……");
      const sealed = await GgzySeal.sealBid({
        lotId, bidderId: form.dataset.bidderId, form: bid,
        files: Array.from(form.querySelector('input[name="files"]').files),
        recipients: [{ publicKey: form.dataset.openingKey, role: "opening" },
                     { publicKey: bidderKey(String(f.get("bidder_key"))), role: "bidder" }],
        metadata: { tool: "ggzy-web/" + GgzySeal.VERSION },
        onProgress: (done, total) => { show(done, total); say(`正在本机加密：${done} / ${total} 字节`); },
      });
      say("加密完成，开始上传密文……");
      const result = await upload(lotId, sealed.blob);
      say(`递交成功，密文 SHA-256 ${result.ciphertext_hash}`);
      document.getElementById("receipt-id").textContent = result.id;
      document.getElementById("receipt-json").textContent = JSON.stringify(result.receipt, null, 2);
      document.getElementById("bid-receipt").hidden = false;
    } catch (err) {
      say("递交失败：" + (err.message || err));
    } finally {
      button.disabled = false;
    }
  });
})();
