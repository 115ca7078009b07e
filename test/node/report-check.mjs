// report-check.mjs: opens an HTML report in headless Chromium through the
// Chrome DevTools protocol (no puppeteer: Node's WebSocket, run with
// --experimental-websocket on Node 20), and prints one JSON object:
// console errors, exceptions, failed or external requests, the leaderboard
// tables, every image with its rendered size, and the screenshots taken.
//
//   node --experimental-websocket report-check.mjs CHROMIUM REPORT.html OUTDIR [SECTION-ID]
//
// Screenshots: OUTDIR/first-screen.png (1280x900) and, with SECTION-ID,
// OUTDIR/section.png (that section scrolled to the top).
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [chromium, report, outDir, section] = process.argv.slice(2);
if (!chromium || !report || !outDir) {
  console.error("usage: report-check.mjs CHROMIUM REPORT.html OUTDIR [SECTION-ID]");
  process.exit(2);
}
const profile = mkdtempSync(join(tmpdir(), "report-check-"));
const browser = spawn(chromium, [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
  "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
  "--remote-debugging-port=0", `--user-data-dir=${profile}`, "about:blank",
], { stdio: ["ignore", "ignore", "pipe"] });

// The browser may still be writing its profile as it dies: removing it
// is best effort.
const removeProfile = () => {
  try { rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }); } catch { /* left in tmp */ }
};
const fail = (msg) => {
  console.error(msg);
  browser.kill("SIGKILL");
  removeProfile();
  process.exit(1);
};
const timer = setTimeout(() => fail("timed out after 120 s"), 120_000);

const wsURL = await new Promise((res, rej) => {
  let buf = "";
  browser.stderr.on("data", (d) => {
    buf += d;
    const m = buf.match(/DevTools listening on (ws:\/\/\S+)/);
    if (m) res(m[1]);
  });
  browser.on("exit", (code) => rej(new Error(`chromium exited (${code}): ${buf}`)));
}).catch((e) => fail(String(e)));

const ws = new WebSocket(wsURL);
await new Promise((res, rej) => { ws.onopen = res; ws.onerror = rej; }).catch(() => fail("cannot connect to " + wsURL));
let nextID = 1;
const pending = new Map();
const listeners = [];
ws.onmessage = (ev) => {
  const msg = JSON.parse(ev.data);
  if (msg.id && pending.has(msg.id)) {
    const { res, rej } = pending.get(msg.id);
    pending.delete(msg.id);
    msg.error ? rej(new Error(JSON.stringify(msg.error))) : res(msg.result);
  } else if (msg.method) {
    for (const l of listeners) l(msg);
  }
};
const send = (method, params = {}, sessionId) => new Promise((res, rej) => {
  const id = nextID++;
  pending.set(id, { res, rej });
  ws.send(JSON.stringify({ id, method, params, sessionId }));
});

const { targetId } = await send("Target.createTarget", { url: "about:blank" });
const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
const s = (method, params) => send(method, params, sessionId);

const result = { consoleErrors: [], exceptions: [], failedRequests: [], externalRequests: [], requests: 0 };
let loaded;
const loadedP = new Promise((res) => { loaded = res; });
listeners.push((m) => {
  if (m.sessionId !== sessionId) return;
  const p = m.params;
  switch (m.method) {
    case "Runtime.consoleAPICalled":
      if (p.type === "error" || p.type === "assert") result.consoleErrors.push(p.args.map((a) => a.value ?? a.description).join(" "));
      break;
    case "Runtime.exceptionThrown":
      result.exceptions.push(p.exceptionDetails.text + " " + (p.exceptionDetails.exception?.description ?? ""));
      break;
    case "Log.entryAdded":
      if (p.entry.level === "error") result.consoleErrors.push(`${p.entry.source}: ${p.entry.text} ${p.entry.url ?? ""}`);
      break;
    case "Network.requestWillBeSent":
      result.requests++;
      if (!/^(data:|file:|about:)/.test(p.request.url)) result.externalRequests.push(p.request.url);
      break;
    case "Network.loadingFailed":
      result.failedRequests.push(`${p.errorText} (${p.type})`);
      break;
    case "Page.loadEventFired":
      loaded();
      break;
  }
});
await s("Runtime.enable");
await s("Log.enable");
await s("Network.enable");
await s("Page.enable");
await s("Emulation.setDeviceMetricsOverride", { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false });
const started = Date.now();
await s("Page.navigate", { url: pathToFileURL(resolve(report)).href });
await loadedP;
const evalJSON = async (expr) => {
  const r = await s("Runtime.evaluate", { expression: expr, awaitPromise: true, returnByValue: true });
  if (r.exceptionDetails) throw new Error(JSON.stringify(r.exceptionDetails));
  return r.result.value;
};
const page = await evalJSON(`(async () => {
  await Promise.all([...document.images].map((i) => i.decode().catch(() => null)));
  const boards = [...document.querySelectorAll("table.board")];
  return {
    title: document.title,
    sections: [...document.querySelectorAll("main section[id]")].map((s) => s.id),
    boards: boards.map((t) => ({ rows: t.tBodies[0].rows.length, height: t.getBoundingClientRect().height,
      firstModel: t.tBodies[0].rows[0]?.cells[1]?.textContent ?? "" })),
    images: [...document.images].map((i) => {
      const r = i.getBoundingClientRect();
      return { alt: i.alt, complete: i.complete, naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight,
        width: r.width, height: r.height };
    }),
    scripts: document.scripts.length,
    stylesheetsLinked: document.querySelectorAll('link[rel="stylesheet"]').length,
  };
})()`);
result.renderMillis = Date.now() - started;
Object.assign(result, page);
const shot = async (name) => {
  const { data } = await s("Page.captureScreenshot", { format: "png" });
  const path = join(outDir, name);
  writeFileSync(path, Buffer.from(data, "base64"));
  return path;
};
result.screenshots = [await shot("first-screen.png")];
if (section) {
  await evalJSON(`(() => { document.getElementById(${JSON.stringify(section)}).scrollIntoView(); return true; })()`);
  await new Promise((r) => setTimeout(r, 200));
  result.screenshots.push(await shot("section.png"));
}
clearTimeout(timer);
console.log(JSON.stringify(result));
ws.close();
const exited = new Promise((res) => browser.once("exit", res));
browser.kill("SIGKILL");
await exited;
removeProfile();
process.exit(0);
