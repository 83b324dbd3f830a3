// Headless Chromium test of the dashboard served by `hitforge serve`: submit a campaign through the form (one
// invalid SMILES among valid ones), see it finish in the live campaign list, open its results, see server-side
// RDKit depictions load, sort by a column, download the CSV. Loopback only; every wait is bounded.
//
// Run by CTest: node tests/browser/test_dashboard.mjs, with HITFORGE_BIN set. Exit 77 (skipped) when Debian's
// chromium or the playwright-core driver (npm install in tests/browser) is missing.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
let chromium;
try {
  chromium = createRequire(path.join(here, 'package.json'))('playwright-core').chromium;
} catch (e) {
  console.log('skip: playwright-core is not installed (npm install --prefix tests/browser)');
  process.exit(77);
}
if (!fs.existsSync(chromiumPath)) {
  console.log(`skip: no chromium at ${chromiumPath} (apt-get install chromium)`);
  process.exit(77);
}
const bin = process.env.HITFORGE_BIN || path.join(here, '..', '..', 'build', 'cli', 'hitforge');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

function assert(cond, msg) { if (!cond) throw new Error('assertion failed: ' + msg); }

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hitforge-browser-'));
fs.mkdirSync(path.join(work, 'models'));
fs.writeFileSync(path.join(work, 'models', 'manifest.json'), '{"models": []}');
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const log = fs.openSync(path.join(work, 'server.log'), 'w');
const server = spawn(bin, ['serve', '--model-dir', path.join(work, 'models'), '--store', path.join(work, 'c.db'),
  '--port', String(port), '--threads', '1', '--campaign-chunk', '8', '--log-level', 'warn'], { stdio: ['ignore', log, log] });
let browser;
const watchdog = setTimeout(() => { console.error('timeout'); server.kill('SIGKILL'); process.exit(1); }, 240000);
let failed = false;
try {
  for (let i = 0; ; ++i) {
    try { if ((await fetch(base + '/readyz')).status === 200) break; } catch (e) { /* not listening yet */ }
    assert(i < 600 && server.exitCode === null, 'server did not start: ' + fs.readFileSync(path.join(work, 'server.log')));
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'] });
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(base + '/', { timeout: 30000 });
  await page.waitForSelector('#recipe-template option', { state: 'attached', timeout: 10000 });

  const smiles = ['CCO ethanol', 'c1ccccc1O phenol', 'CC(=O)Oc1ccccc1C(=O)O aspirin', 'C1CC broken',
    'CN1CCC[C@H]1c1cccnc1 nicotine', 'O=C(O)c1ccccc1 benzoic', 'CCN(CC)CC triethylamine', 'c1ccc2ccccc2c1 naphthalene',
    'CC(C)Cc1ccc(cc1)C(C)C(=O)O ibuprofen', 'Cn1cnc2c1c(=O)n(C)c(=O)n2C caffeine'];
  await page.fill('#name', 'browser test');
  await page.fill('#smiles', smiles.join('\n'));
  await page.selectOption('#recipe-template', 'QED only');
  await page.fill('#top_k', '5');
  await page.click('#submit');
  await page.waitForFunction(() => /submitted c[0-9a-f]+ \(10 records\)/.test(document.querySelector('#submit-result').textContent),
    null, { timeout: 20000 });

  // The live list (refreshed by the page itself) shows the campaign finishing.
  await page.waitForFunction(() => [...document.querySelectorAll('#campaigns tr.campaign')].some(
    (tr) => tr.children[0].textContent === 'browser test' && tr.children[1].textContent === 'done'), null, { timeout: 60000 });
  const counts = await page.$eval('#campaigns tr.campaign', (tr) => tr.children[3].textContent);
  assert(counts === '9 / 0 / 1', 'counts ok/filtered/invalid: ' + counts);

  // Results: ranked ok records (top 5), each with a depiction drawn by the server.
  await page.click('#campaigns tr.campaign');
  await page.waitForFunction(() => document.querySelectorAll('#results tr.result').length === 5, null, { timeout: 20000 });
  await page.waitForFunction(() => [...document.querySelectorAll('#results img.depiction')].every(
    (img) => img.complete && img.naturalWidth > 0), null, { timeout: 30000 });
  const svg = await page.evaluate(async () => {
    const src = document.querySelector('#results img.depiction').src;
    const r = await fetch(src);
    return { type: r.headers.get('content-type'), text: await r.text() };
  });
  assert(svg.type.startsWith('image/svg+xml') && svg.text.includes('<svg'), 'depiction is an SVG');
  const scores = await page.$$eval('#results tr.result', (trs) => trs.map((tr) => parseFloat(tr.children[6].textContent)));
  assert(scores.every((s, i) => i === 0 || scores[i - 1] >= s), 'ranked by score: ' + scores);

  // Sortable: clicking "score" sorts descending first, a second click ascending.
  await page.click('#results th:has-text("score")');
  await page.click('#results th:has-text("score")');
  const asc = await page.$$eval('#results tr.result', (trs) => trs.map((tr) => parseFloat(tr.children[6].textContent)));
  assert(asc.every((s, i) => i === 0 || asc[i - 1] <= s), 'ascending after two clicks: ' + asc);

  // All records, with the invalid one and its reason.
  await page.selectOption('#filter-status', 'all');
  await page.waitForFunction(() => document.querySelectorAll('#results tr.result').length === 6, null, { timeout: 20000 });
  const statuses = await page.$$eval('#results tr.result', (trs) => trs.map((tr) => tr.children[5].textContent));
  assert(statuses.filter((s) => s === 'invalid').length === 1, 'one invalid record listed: ' + statuses);

  // CSV download link.
  const csvHref = await page.$eval('#csv', (a) => a.href);
  assert(csvHref.includes('format=csv'), 'csv link: ' + csvHref);
  const csv = await page.evaluate(async (href) => (await fetch(href)).text(), csvHref);
  const lines = csv.trim().split('\n');
  assert(lines[0].startsWith('index,id,smiles,status,reason,score,d_qed'), 'csv header: ' + lines[0]);
  assert(lines.length === 7, 'csv rows: ' + lines.length);
  assert(pageErrors.length === 0, 'page errors: ' + pageErrors.join('; '));
  console.log('ok: dashboard submit, live progress, depictions, sorting, CSV in headless Chromium');
} catch (e) {
  failed = true;
  console.error(e);
  try { console.error(fs.readFileSync(path.join(work, 'server.log'), 'utf8')); } catch (x) { /* none */ }
} finally {
  if (browser) await browser.close();
  server.kill('SIGTERM');
  const code = await new Promise((r) => server.exitCode !== null ? r(server.exitCode) : server.on('exit', (c) => r(c)));
  if (code !== 0) { console.error('server exit code after SIGTERM: ' + code); failed = true; }
  clearTimeout(watchdog);
  fs.rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
