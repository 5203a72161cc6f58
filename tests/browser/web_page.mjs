// Browser test of the web page: Debian's Chromium driven by playwright-core (which
// never downloads a browser) against a real `anirec serve` on 127.0.0.1.
//
//   node tests/browser/web_page.mjs <path-to-anirec> <build-dir>
//
// Trains a small model from `anirec synth` data (or uses $ANIREC_TEST_MODEL), starts
// the server on a free port, then as a person would: types part of a title, picks
// the suggestion, adds a second anime with the keyboard, sees recommendations appear
// (none of them already watched), opens "similar" for one and sees the panel fill.
// Also checks that the page makes no request outside the server and logs no errors,
// saves a screenshot to <build-dir>/browser/web_page.png, and stops the server with
// SIGTERM (it must exit 0).
// Exit codes: 0 pass, 1 fail, 77 skip (no Chromium, no node_modules, node < 20).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const [anirec, buildDir] = process.argv.slice(2);
const SKIP = 77;
const chromiumPath = process.env.ANIREC_CHROMIUM || "/usr/bin/chromium";

function skip(why) {
  console.log(`SKIP: ${why}`);
  process.exit(SKIP);
}
function fail(why) {
  console.error(`FAIL: ${why}`);
  process.exitCode = 1;
  throw new Error(why);
}
function check(cond, why) { if (!cond) fail(why); }

if (!anirec || !buildDir) {
  console.error("usage: node web_page.mjs <path-to-anirec> <build-dir>");
  process.exit(2);
}
if (Number(process.versions.node.split(".")[0]) < 20) skip(`node ${process.versions.node} < 20 (playwright-core needs 20)`);
if (!existsSync(chromiumPath)) skip(`no Chromium at ${chromiumPath} (scripts/setup installs it)`);
let chromium;
try {
  chromium = createRequire(path.join(here, "package.json"))("playwright-core").chromium;
} catch (e) {
  skip(`playwright-core is not installed in ${here}/node_modules (scripts/setup runs npm ci there)`);
}

if (spawnSync(anirec, ["serve", "--help"]).status !== 0) skip("built without the server (ANIREC_BUILD_SERVER=OFF)");

const work = path.join(buildDir, "browser");
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

function run(args) {
  const r = spawnSync(anirec, args, { encoding: "utf8", timeout: 120000 });
  if (r.status !== 0) fail(`anirec ${args.join(" ")} exited ${r.status}: ${r.stderr || r.error}`);
  return r.stdout;
}

// A small model with titles, from the synthetic demo world.
let model = process.env.ANIREC_TEST_MODEL;
if (!model) {
  const t0 = Date.now();
  run(["synth", "-o", path.join(work, "synth"), "--preset", "demo", "--users", "800", "--items", "300", "-q"]);
  run(["prepare", path.join(work, "synth", "ratings.csv"), "--meta", path.join(work, "synth", "anime.csv"),
       "-o", path.join(work, "demo.anirec"), "-q"]);
  model = path.join(work, "model.safetensors");
  run(["train", path.join(work, "demo.anirec"), "-o", model, "--epochs", "2", "--maxlen", "50", "--hidden", "32",
       "--batch-size", "64", "--verbose", "0", "--no-test", "--baselines", "none", "--seed", "1"]);
  console.log(`model trained in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

// The server on a free port; its first stdout line names the URL.
const server = spawn(anirec, ["serve", "--model", model, "--port", "0", "--threads", "4"],
                     { stdio: ["ignore", "pipe", "inherit"] });
let serverExit = null;
const exited = new Promise((resolve) => server.on("exit", (code, sig) => { serverExit = { code, sig }; resolve(); }));
const base = await new Promise((resolve, reject) => {
  let out = "";
  const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30000);
  server.stdout.on("data", (d) => {
    out += d;
    const m = /http:\/\/[0-9.]+:\d+\//.exec(out);
    if (m) { clearTimeout(timer); resolve(m[0].replace(/\/$/, "")); }
  });
  server.on("exit", () => reject(new Error(`server exited before listening: ${out}`)));
});
console.log(`server at ${base}`);

let browser;
try {
  // Two animes to watch: the two most popular ones of the training data.
  const popular = await (await fetch(`${base}/v1/items?limit=6`)).json();
  check(popular.items.length >= 2, "the model lists fewer than 2 animes");
  const [first, second] = popular.items;
  console.log(`will watch “${first.title}” then “${second.title}”`);

  const tLaunch = Date.now();
  // A fresh profile folder each run (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(path.join(work, "profile"), {
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
    viewport: { width: 1400, height: 1000 },
  });
  const page = browser.pages()[0] || await browser.newPage();
  console.log(`chromium started in ${Date.now() - tLaunch} ms`);
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("request", (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith("data:")) problems.push(`request outside the server: ${r.url()}`);
  });

  const t0 = Date.now();
  await page.goto(`${base}/`, { waitUntil: "load" });
  await page.waitForFunction(() => !document.getElementById("model-badge").textContent.includes("loading"));
  console.log(`page ready in ${Date.now() - t0} ms`);

  // 1. Type the start of a title, wait for the suggestion, click it.
  const prefix = first.title.slice(0, Math.max(4, Math.min(8, first.title.length)));
  await page.click("#search");
  await page.keyboard.type(prefix, { delay: 30 });
  const sugg = page.locator(`#suggestions .suggestion[data-id="${first.id}"]`);
  await sugg.waitFor({ state: "visible", timeout: 10000 });
  await sugg.click();
  await page.locator("#history li").first().waitFor();
  check(await page.locator("#history li").count() === 1, "the history should hold 1 anime after the first pick");
  check((await page.locator("#history li .h-title").first().textContent()) === first.title,
        "the history shows the wrong title");
  await page.locator("#recs .card").first().waitFor({ timeout: 10000 });

  // 2. The second anime with the keyboard: type the whole title, Enter picks the top suggestion.
  await page.fill("#search", "");
  await page.keyboard.type(second.title, { delay: 10 });
  await page.locator(`#suggestions .suggestion[data-id="${second.id}"]`).waitFor({ timeout: 10000 });
  await page.waitForFunction((id) => {
    const s = document.querySelector('#suggestions .suggestion[aria-selected="true"]');
    return s && s.dataset.id === id;
  }, second.id);
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelectorAll("#history li").length === 2);
  await page.waitForFunction(() => document.getElementById("recs-meta").textContent.includes("of 2 watched"));

  // 3. Recommendations: titles, genres, type and score shown; nothing already watched.
  const cards = page.locator("#recs .card");
  const n = await cards.count();
  check(n >= 5, `expected at least 5 recommendation cards, got ${n}`);
  const ids = await cards.evaluateAll((cs) => cs.map((c) => c.dataset.id));
  check(!ids.includes(first.id) && !ids.includes(second.id), "a watched anime was recommended");
  const firstCard = cards.first();
  const cardTitle = (await firstCard.locator(".card-title").textContent()).trim();
  check(cardTitle.length > 0, "a card has no title");
  check(await firstCard.locator(".genre-tag").count() > 0, "a card shows no genres");
  check(/^-?\d+\.\d\d$/.test((await firstCard.locator(".score-value").textContent()).trim()), "a card shows no score");
  check((await firstCard.locator(".type").textContent()).trim().length > 0, "a card shows no type");

  // The same answer as the API gives for this history.
  const api = await (await fetch(`${base}/v1/recommend`, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ history: [first.id, second.id], k: ids.length }) })).json();
  check(JSON.stringify(api.items.map((i) => i.id)) === JSON.stringify(ids), "the page's list differs from the API's");

  console.log(`history of 2 and recommendations after ${Date.now() - t0} ms`);
  // 4. "Similar" on the first recommendation opens the panel with neighbours.
  await firstCard.locator("button", { hasText: "Similar" }).click();
  await page.locator("#similar-panel").waitFor({ state: "visible" });
  await page.locator("#similar li").first().waitFor();
  const simTitle = await page.locator("#similar-title").textContent();
  check(simTitle === `Similar to ${cardTitle}`, `similar panel title is “${simTitle}”`);
  check(await page.locator("#similar li").count() >= 3, "the similar panel lists fewer than 3 animes");

  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(work, "web_page_top.png") });

  // 5. The model card opens.
  await page.click("#model-details summary");
  await page.locator("#model-card .kv").first().waitFor();
  check(await page.locator("#model-card .kv").count() >= 3, "the model card shows fewer than 3 sections");

  const shot = path.join(work, "web_page.png");
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`screenshots: ${shot}, web_page_top.png`);
  console.log(`browser steps done after ${Date.now() - t0} ms`);
  check(problems.length === 0, problems.join("\n"));
} finally {
  const tClose = Date.now();
  if (browser) await browser.close();
  const tStop = Date.now();
  server.kill("SIGTERM");
  let timer;
  await Promise.race([exited, new Promise((r) => { timer = setTimeout(r, 10000); })]);
  clearTimeout(timer);  // a pending timer would keep node alive for the full 10 s
  console.log(`browser closed in ${tStop - tClose} ms, server stopped in ${Date.now() - tStop} ms`);
}
check(serverExit !== null, "the server did not exit within 10 s of SIGTERM");
check(serverExit.code === 0, `the server exited with ${JSON.stringify(serverExit)} after SIGTERM`);
console.log("PASS");
