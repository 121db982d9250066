// Swagger UI, driven as a person would, in Debian's headless Chromium against
// the real server: Authorize, "Try it out", Execute, and read the answer the
// page shows. Then a page on another origin calls the API with fetch, as a
// web app using the MaxIM web SDK does (CORS).
//
//   cargo build -p server && npm ci --prefix tests/browser && node tests/browser/swagger.mjs
//
// SERVER_BIN (default target/debug/server) and CHROMIUM (default
// /usr/bin/chromium) say what to run. Screenshots go to target/browser/.
// Prints `browser: N passed, 0 failed` on success; exits non-zero naming the
// failed step otherwise. Never builds anything and never downloads a browser.

import { spawn, execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium } from "playwright-core";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SERVER_BIN = resolve(ROOT, process.env.SERVER_BIN || "target/debug/server");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const SHOTS = join(ROOT, "target", "browser");
const DEADLINE_MS = 110_000; // the whole run, cleanup included, stays under 2 minutes
const ACTION_MS = 15_000;
const HTTP_MS = 10_000;

const started = Date.now();
const work = mkdtempSync(join(tmpdir(), "docim-browser-"));
let server = null; // child process
let context = null; // Playwright persistent context (the browser)
let page = null;
let passed = 0;

function log(msg) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
}

class StepError extends Error {}

/** Runs one step; a failure carries the step's name. */
async function step(name, fn, { counts = true } = {}) {
  log(`step: ${name}`);
  try {
    const out = await fn();
    if (counts) {
      passed += 1;
      log(`ok: ${name}`);
    }
    return out;
  } catch (e) {
    if (e instanceof StepError) throw e;
    throw new StepError(`step "${name}" failed: ${e && e.stack ? e.stack : e}`);
  }
}

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

// ---------------------------------------------------------------- server

async function createApp() {
  check(existsSync(SERVER_BIN), `no server binary at ${SERVER_BIN} (run \`cargo build -p server\` first, or set SERVER_BIN)`);
  const { stdout } = await promisify(execFile)(SERVER_BIN, ["--data-dir", work, "app", "create", "--json"], {
    timeout: 20_000,
    env: serverEnv(),
  });
  const app = JSON.parse(stdout.trim().split("\n").pop());
  for (const k of ["app_id", "admin_token", "app_key", "app_secret"]) check(app[k], `app create --json gave no ${k}: ${stdout}`);
  return app;
}

function serverEnv() {
  const env = { ...process.env, NO_COLOR: "1" };
  for (const k of ["LISTEN", "DATA_DIR", "DATABASE_URL"]) delete env[k];
  return env;
}

/** Starts `serve` on a port the OS picks; resolves with the base URL it prints. */
function startServer() {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(SERVER_BIN, ["--data-dir", work, "--listen", "127.0.0.1:0", "serve"], {
      env: serverEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    server = child;
    let out = "";
    const timer = setTimeout(() => reject(new Error(`server printed no address within 20 s:\n${out}`)), 20_000);
    const onData = (chunk) => {
      out += chunk;
      const m = out.match(/Swagger UI: (http:\/\/[^/\s]+)\/swagger-ui\//);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ base: m[1], banner: out });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("exit", (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? sig}) before listening:\n${out}`));
    });
  });
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const child = server;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

// ------------------------------------------------------------------ HTTP

async function call(base, method, path, { headers = {}, body } = {}) {
  const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(HTTP_MS) };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${method} ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`);
  }
  return { status: res.status, json };
}

/** A MaxIM call that must answer code 200; returns `data`. */
async function maxim(base, method, path, opts) {
  const { status, json } = await call(base, method, path, opts);
  check(json.code === 200, `${method} ${path}: HTTP ${status}, ${JSON.stringify(json).slice(0, 400)}`);
  return json.data;
}

async function makeFriends(base, app) {
  const suffix = randomBytes(3).toString("hex");
  const users = {};
  for (const who of ["a", "b"]) {
    const username = `browser_${who}_${suffix}`;
    const password = `pw-${randomBytes(6).toString("hex")}`;
    await maxim(base, "POST", "/user/register", { headers: { app_id: app.app_id }, body: { username, password } });
    const tok = await maxim(base, "POST", "/token/user", { headers: { app_id: app.app_id }, body: { name: username, password } });
    check(tok && tok.token && tok.user_id, `/token/user gave no token or user_id: ${JSON.stringify(tok)}`);
    users[who] = { username, password, token: tok.token, id: tok.user_id };
  }
  const { a, b } = users;
  const as = (u) => ({ app_id: app.app_id, "access-token": u.token });
  // B asks for approval first (new users start at auth mode 0, friends at
  // once): A applies, B accepts.
  await maxim(base, "POST", "/user/authmode?value=1", { headers: as(b) });
  await maxim(base, "POST", "/roster/apply", { headers: as(a), body: { user_id: b.id } });
  await maxim(base, "POST", `/roster/accept?user_id=${a.id}`, { headers: as(b) });
  const ids = await maxim(base, "GET", "/roster/list", { headers: as(a) });
  check(Array.isArray(ids) && ids.map(String).includes(String(b.id)), `A's roster over plain HTTP lacks B (${b.id}): ${JSON.stringify(ids)}`);
  return users;
}

// --------------------------------------------------------------- browser

async function launch() {
  check(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);
  context = await chromium.launchPersistentContext(join(work, "chromium-profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 1000 },
    timeout: 30_000,
  });
  context.setDefaultTimeout(ACTION_MS);
  page = context.pages()[0] || (await context.newPage());
  page.on("pageerror", (e) => log(`page error: ${e.message}`));
}

/** Picks a spec in the top bar and waits for its title. */
async function selectSpec(label, title) {
  const select = page.locator(".topbar select");
  if ((await select.count()) > 0) {
    const current = await select.evaluate((s) => s.options[s.selectedIndex]?.text);
    if (current !== label) await select.selectOption({ label });
  } else {
    check(label === "MaxIM", `no spec selector in the top bar, cannot pick ${label}`);
  }
  await page.locator(".information-container .title", { hasText: title }).waitFor();
}

/** Authorize dialog: fills each named scheme's value, authorizes, closes. */
async function authorize(values) {
  await page.locator(".scheme-container .auth-wrapper button.authorize").click();
  const modal = page.locator(".dialog-ux .modal-ux");
  await modal.waitFor();
  // One form per scheme, each with its own Authorize button.
  for (const [name, value] of Object.entries(values)) {
    const box = modal.locator(".auth-container", { has: page.locator("h4 code", { hasText: new RegExp(`^${name}$`) }) });
    check((await box.count()) === 1, `the Authorize dialog shows ${await box.count()} boxes for ${name}`);
    await box.locator("input").fill(value);
    await box.locator("button.modal-btn.authorize").click();
    await box.locator("button.modal-btn", { hasText: "Logout" }).waitFor();
  }
  await modal.locator("button.btn-done").first().click();
  await modal.waitFor({ state: "detached" });
}

/** Expands an operation, Try it out, optional fields, Execute; returns the shown body. */
async function tryOut(tag, operationId, fields = {}, jsonBody = null) {
  const op = page.locator(`#operations-${tag}-${operationId}`);
  if ((await op.count()) === 0) {
    // The tag is collapsed: open it.
    await page.locator(`#operations-tag-${tag}`).click();
  }
  await op.waitFor();
  if (!(await op.evaluate((el) => el.classList.contains("is-open")))) {
    await op.locator(".opblock-summary").first().click();
  }
  await op.locator("button.try-out__btn").click();
  for (const [name, value] of Object.entries(fields)) {
    const input = op.locator(
      `tr[data-param-name="${name}"] input, tr[data-param-name="${name}"] textarea, ` +
        `.opblock-section-request-body tr:has(.parameter__name:text-is("${name}")) input`,
    ).first();
    await input.fill(String(value));
  }
  if (jsonBody !== null) {
    await op.locator("textarea.body-param__text").fill(JSON.stringify(jsonBody, null, 2));
  }
  await op.locator("button.execute").click();
  const body = op.locator(".live-responses-table .response-col_description pre").first();
  await body.waitFor();
  const status = (await op.locator(".live-responses-table tbody tr.response .response-col_status").first().innerText()).trim();
  const text = await body.innerText();
  await op.scrollIntoViewIfNeeded();
  return { op, status, text };
}

async function shot(locatorOrPage, file) {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, file);
  await locatorOrPage.screenshot({ path });
  log(`screenshot: ${path}`);
}

function parseShown(text, what) {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what}: the page shows no JSON body: ${text.slice(0, 400)}`);
  }
}

// ------------------------------------------------------------------ main

async function main() {
  const app = await step("create an app (server app create --json)", createApp);
  const { base } = await step("start the server on a free port", async () => {
    const s = await startServer();
    const health = await call(s.base, "GET", "/healthz");
    check(health.json.status === "ok", `/healthz: ${JSON.stringify(health.json)}`);
    log(`server at ${s.base}`);
    return s;
  });
  const { a, b } = await step("register users A and B and make them friends (MaxIM API over plain HTTP)", () =>
    makeFriends(base, app),
  );
  log(`A = ${a.username} (${a.id}), B = ${b.username} (${b.id})`);

  await step("open Swagger UI in headless Chromium with the MaxIM spec", async () => {
    await launch();
    await page.goto(`${base}/swagger-ui/`, { waitUntil: "domcontentloaded" });
    await selectSpec("MaxIM", "MaxIM");
  });

  await step("MaxIM: Authorize (app_id, access-token), GET /roster/list, Try it out, Execute", async () => {
    await authorize({ app_id: app.app_id, access_token: a.token });
    const { op, status, text } = await tryOut("roster", "roster_list_ids");
    await shot(op, "swagger-roster.png");
    const shown = parseShown(text, "GET /roster/list");
    check(status === "200", `HTTP status shown is ${status}: ${text.slice(0, 400)}`);
    check(shown.code === 200, `"code" shown is ${shown.code}, not 200: ${text.slice(0, 400)}`);
    check(Array.isArray(shown.data) && shown.data.map(String).includes(String(b.id)), `B's id ${b.id} is not in data: ${text.slice(0, 400)}`);
    // The curl line the page shows proves the headers came from Authorize.
    const curl = await op.locator(".curl-command").innerText();
    check(curl.includes(app.app_id) && curl.includes(a.token), `the request shown lacks app_id or access-token: ${curl}`);
  });

  await step("MaxIM: Try it out POST /group/create (B invited), then GET /group/info with the created id", async () => {
    // Still on the MaxIM spec, authorized as A.
    const created = await tryOut("group", "group_create", {}, { name: "browser group", description: "made in Swagger UI", user_list: [b.id] });
    await shot(created.op, "swagger-group-create.png");
    const made = parseShown(created.text, "POST /group/create");
    check(created.status === "200", `HTTP status shown is ${created.status}: ${created.text.slice(0, 400)}`);
    check(made.code === 200, `"code" shown is ${made.code}, not 200: ${created.text.slice(0, 400)}`);
    const g = made.data && made.data.group_id;
    check(g, `no group_id in the answer shown: ${created.text.slice(0, 400)}`);
    check(String(made.data.owner_id) === String(a.id), `owner_id shown is ${made.data.owner_id}, not A (${a.id})`);
    check(made.data.name === "browser group", `name shown is ${made.data.name}`);
    const shown = await tryOut("group", "group_info", { group_id: g });
    await shot(shown.op, "swagger-group-info.png");
    const got = parseShown(shown.text, "GET /group/info");
    check(shown.status === "200", `HTTP status shown is ${shown.status}: ${shown.text.slice(0, 400)}`);
    check(got.code === 200, `"code" shown is ${got.code}, not 200: ${shown.text.slice(0, 400)}`);
    check(String(got.data.group_id) === String(g), `group_id shown is ${got.data.group_id}, not ${g}`);
    check(got.data.status === 0 && got.data.name === "browser group", `info shown: ${shown.text.slice(0, 400)}`);
    // The curl line proves the id typed into the form went out as the query.
    const curl = await shown.op.locator(".curl-command").innerText();
    check(curl.includes(`group_id=${g}`), `the request shown lacks group_id=${g}: ${curl}`);
    // Over plain HTTP, outside the page, A is in the group.
    const joined = await maxim(base, "GET", "/group/user_joined", { headers: { app_id: app.app_id, "access-token": a.token } });
    check(joined.map(String).includes(String(g)), `A's joined groups lack ${g}: ${JSON.stringify(joined)}`);
  });

  await step("NetEase: Authorize (AppKey, Nonce, CurTime, CheckSum), POST /nimserver/friend/get.action", async () => {
    const probe = await call(base, "POST", "/nimserver/friend/get.action");
    if (probe.status === 404 && /no such operation/.test(probe.json.desc || probe.json.message || "")) {
      throw new Error("the NetEase route /nimserver/friend/get.action is not mounted on this server (404 no such operation)");
    }
    await selectSpec("NetEase IM", "NetEase");
    const nonce = randomBytes(16).toString("hex");
    const curTime = String(Math.floor(Date.now() / 1000));
    const checkSum = createHash("sha1").update(app.app_secret + nonce + curTime).digest("hex");
    await authorize({ AppKey: app.app_key, Nonce: nonce, CurTime: curTime, CheckSum: checkSum });
    const { op, status, text } = await tryOut("friend", "friend_get", { accid: a.username, updatetime: 0 });
    await shot(op, "swagger-netease-friend.png");
    const shown = parseShown(text, "POST /nimserver/friend/get.action");
    check(status === "200", `HTTP status shown is ${status}: ${text.slice(0, 400)}`);
    check(shown.code === 200, `"code" shown is ${shown.code}, not 200: ${text.slice(0, 400)}`);
    const faccids = (shown.friends || []).map((f) => f.faccid);
    check(faccids.includes(b.username), `B (${b.username}) is not among the friends shown: ${text.slice(0, 400)}`);
  });

  await step("YHChat: Authorize (token), POST /v1/friend/no-notify with a JSON body", async () => {
    await selectSpec("YHChat", "YHChat");
    await authorize({ token: a.token });
    const { op, status, text } = await tryOut("friend", "friend_no_notify", {}, { chatId: String(b.id), noNotify: 1 });
    await shot(op, "swagger-yhchat-no-notify.png");
    const shown = parseShown(text, "POST /v1/friend/no-notify");
    check(status === "200", `HTTP status shown is ${status}: ${text.slice(0, 400)}`);
    check(shown.code === 1 && shown.msg === "success", `YHChat answer shown is not {code: 1, msg: "success"}: ${text.slice(0, 400)}`);
  });

  // A web app (the MaxIM web SDK) runs on its own origin: the browser sends a
  // preflight for the custom headers and reads the answer only if allowed.
  await step("a page on another origin (localhost vs 127.0.0.1) calls GET /roster/list with fetch", async () => {
    const other = base.replace("127.0.0.1", "localhost");
    check(other !== base, `cannot derive another origin from ${base}`);
    await page.goto(`${other}/healthz`, { waitUntil: "domcontentloaded" });
    const got = await page.evaluate(
      async ({ base, appId, token }) => {
        try {
          const r = await fetch(`${base}/roster/list`, { headers: { app_id: appId, "access-token": token } });
          return { origin: location.origin, status: r.status, body: await r.json() };
        } catch (e) {
          return { origin: location.origin, error: String(e) };
        }
      },
      { base, appId: app.app_id, token: a.token },
    );
    check(got.origin !== new URL(base).origin, `the page's origin ${got.origin} is the server's`);
    check(!got.error, `the browser refused the cross-origin call: ${got.error}`);
    check(got.status === 200 && got.body.code === 200, `cross-origin GET /roster/list: ${JSON.stringify(got).slice(0, 400)}`);
    check(got.body.data.map(String).includes(String(b.id)), `B's id ${b.id} is not in data: ${JSON.stringify(got.body).slice(0, 400)}`);
  });
}

async function cleanup() {
  if (context) {
    await Promise.race([context.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
    context = null;
  }
  await stopServer().catch(() => {});
  rmSync(work, { recursive: true, force: true });
}

let failed = 0;
const deadline = setTimeout(async () => {
  console.error(`browser: FAILED: the run took longer than ${DEADLINE_MS / 1000} s`);
  console.log(`browser: ${passed} passed, 1 failed`);
  await Promise.race([cleanup(), new Promise((r) => setTimeout(r, 5_000))]);
  if (server) server.kill("SIGKILL");
  process.exit(1);
}, DEADLINE_MS);
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, async () => {
    await cleanup();
    process.exit(130);
  });
}

try {
  await main();
} catch (e) {
  failed = 1;
  console.error(`browser: FAILED: ${e.message || e}`);
  if (page) await shot(page, "failure.png").catch(() => {});
}
await cleanup();
clearTimeout(deadline);
log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
