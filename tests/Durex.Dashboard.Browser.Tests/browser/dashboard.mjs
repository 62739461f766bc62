// Drives the Durex dashboard in headless Chromium (Debian's, from DUREX_CHROMIUM; playwright-core downloads nothing).
//
//   node dashboard.mjs <dashboard url> <plan json>
//
// Run by DashboardBrowserTests, which seeds the store and passes the plan (ids and counts the page must show). Prints
// one JSON line per check: {"check": name, "ok": bool, "ms": n, "detail": …}. Protocol: after the overview shows the
// seeded counts it prints {"event":"ready"} and waits for a line on stdin; the test then starts enqueuing work and
// the page must see the counts move. With DUREX_SCREENSHOTS=1 it also writes docs/images/dashboard-*.png
// (DUREX_SCREENSHOT_DIR; DUREX_SCREENSHOTS_ALL=1 adds the other phone views). Exit code 0 when every check passed. No sleeps: every wait polls for an outcome, with a
// timeout.
import { chromium } from 'playwright-core';
import { createInterface } from 'node:readline';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [url, planJson] = process.argv.slice(2);
if (!url || !planJson || !process.env.DUREX_CHROMIUM) {
  console.error('usage: DUREX_CHROMIUM=/usr/bin/chromium node dashboard.mjs <dashboard url> <plan json>');
  process.exit(2);
}
const plan = JSON.parse(planJson);
const shotDir = process.env.DUREX_SCREENSHOTS === '1' ? (process.env.DUREX_SCREENSHOT_DIR || 'screenshots') : null;
const WAIT = 15000; // per outcome

// A last guard: the test kills us too, but a stuck browser should still end with a line saying so.
const guard = setTimeout(() => { console.log(JSON.stringify({ event: 'timeout' })); process.exit(3); }, 150000);

let failures = 0;
function report(check, ok, ms, detail) {
  if (!ok) failures++;
  console.log(JSON.stringify({ check, ok, ms, detail }));
}

async function check(name, body) {
  const started = Date.now();
  try {
    const detail = await body();
    report(name, true, Date.now() - started, detail ?? null);
  } catch (e) {
    report(name, false, Date.now() - started, String(e && e.stack || e).split('\n').slice(0, 6).join('\n'));
  }
}

function assert(condition, message) { if (!condition) throw new Error(message); }

const stdin = createInterface({ input: process.stdin });
const stdinLines = [];
let stdinWaiter = null;
stdin.on('line', (line) => { if (stdinWaiter) { const w = stdinWaiter; stdinWaiter = null; w(line); } else stdinLines.push(line); });
function nextLine(timeout) {
  if (stdinLines.length) return Promise.resolve(stdinLines.shift());
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { stdinWaiter = null; reject(new Error('no line on stdin within ' + timeout + ' ms')); }, timeout);
    stdinWaiter = (line) => { clearTimeout(t); resolve(line); };
  });
}

async function shot(page, name, options) {
  if (!shotDir) return;
  mkdirSync(shotDir, { recursive: true });
  await page.screenshot({ path: join(shotDir, 'dashboard-' + name + '.png'), ...options });
}

// The viewport down to the end of the content: no empty band under a short view.
async function shotContent(page, name) {
  const bottom = await page.evaluate(() => Math.ceil(document.querySelector('main').getBoundingClientRect().bottom));
  const { width, height } = page.viewportSize();
  await shot(page, name, { clip: { x: 0, y: 0, width, height: Math.min(height, Math.max(bottom, 200)) } });
}

const browser = await chromium.launch({
  executablePath: process.env.DUREX_CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
  timeout: 60000,
});

const consoleErrors = [];
function watch(page, label) {
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(label + ' ' + m.type() + ': ' + m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(label + ' pageerror: ' + e.message));
  page.on('requestfailed', (r) => consoleErrors.push(label + ' request failed: ' + r.url() + ' ' + (r.failure() && r.failure().errorText)));
  page.on('response', (r) => { if (r.status() >= 400) consoleErrors.push(label + ' HTTP ' + r.status() + ': ' + r.url()); });
  page.setDefaultTimeout(WAIT);
}

const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'UTC', deviceScaleFactor: 1 });
const page = await context.newPage();
watch(page, 'desktop');

const count = (status) => page.locator('#counts .card.s-' + status.toLowerCase() + ' .n').textContent().then(Number);
const rows = () => page.locator('#commands tbody tr').evaluateAll((trs) => trs.map((tr) => ({
  name: tr.cells[1] && tr.cells[1].textContent, status: tr.cells[2] && tr.cells[2].textContent, error: tr.cells[5] && tr.cells[5].textContent,
  id: tr.querySelector('a') && decodeURIComponent(tr.querySelector('a').getAttribute('href').replace('#/command/', '')),
})));
// Waits until the commands table shows what `predicate(rows)` accepts; returns the rows.
async function waitForRows(predicate, what) {
  const deadline = Date.now() + WAIT;
  let last = [];
  for (;;) {
    last = await rows();
    if (last.length && last[0].name !== undefined && predicate(last)) return last;
    if (Date.now() > deadline) throw new Error('table never showed ' + what + '; last: ' + JSON.stringify(last.slice(0, 5)) + ' (' + last.length + ' rows)');
    await page.waitForTimeout(100); // a poll interval, not a wait for an outcome
  }
}
async function filter(values) {
  await page.locator('#f-clear').click();
  for (const [id, value] of Object.entries(values)) {
    if (id === 'f-status' || id === 'f-limit') await page.locator('#' + id).selectOption(value);
    else await page.locator('#' + id).fill(value);
  }
  await page.locator('#filters button[type=submit]').click();
}

try {
  let before = 0;
  await check('page-loads', async () => {
    const response = await page.goto(url, { waitUntil: 'domcontentloaded' });
    assert(response.ok(), 'GET ' + url + ' → ' + response.status());
    const csp = response.headers()['content-security-policy'] || '';
    assert(csp.includes("script-src 'self'"), 'no strict CSP header: ' + csp);
    await page.locator('#counts .card').nth(8).waitFor();
    const cards = await page.locator('#counts .card').count();
    assert(cards === 9, 'expected 9 status cards, saw ' + cards);
    await page.waitForFunction(() => document.querySelector('#queue dd') !== null);
    before = await count('COMPLETED');
    assert(before > 0, 'COMPLETED count is ' + before);
    assert(await count('FAILED') === plan.failedCount, 'FAILED count ' + await count('FAILED') + ', expected ' + plan.failedCount);
    assert(await count('DEAD_LETTER') === plan.deadLetterIds.length, 'DEAD_LETTER count ' + await count('DEAD_LETTER'));
    assert(await page.title() === 'Durex', 'title ' + await page.title());
    assert(!(await page.locator('#live').getAttribute('class')).includes('down'), 'live indicator is down');
    return { completed: before };
  });

  console.log(JSON.stringify({ event: 'ready' }));
  await check('live-counts', async () => {
    const line = await nextLine(WAIT);
    assert(line.trim() === 'go', 'expected "go" on stdin, got ' + JSON.stringify(line));
    const started = Date.now();
    const url0 = page.url();
    // The page polls: the COMPLETED card must grow without a reload, twice (two refreshes with new work).
    await page.waitForFunction((n) => Number(document.querySelector('#counts .card.s-completed .n').textContent) > n, before, { timeout: WAIT });
    const mid = await count('COMPLETED');
    await page.waitForFunction((n) => Number(document.querySelector('#counts .card.s-completed .n').textContent) > n, mid, { timeout: WAIT });
    const after = await count('COMPLETED');
    assert(page.url() === url0, 'the page navigated');
    return { before, mid, after, seconds: (Date.now() - started) / 1000 };
  });

  await check('filter-name', async () => {
    await page.locator('nav a[data-view=commands]').click();
    await waitForRows((r) => r.length > 0, 'any commands');
    await filter({ 'f-name': plan.filterName, 'f-limit': '100' });
    const r = await waitForRows((r) => r.every((x) => x.name === plan.filterName) && r.length === plan.filterNameCount, plan.filterNameCount + ' × ' + plan.filterName);
    return { rows: r.length };
  });

  await check('filter-status', async () => {
    await filter({ 'f-status': 'FAILED' });
    const r = await waitForRows((r) => r.length === plan.failedCount && r.every((x) => x.status === 'FAILED'), plan.failedCount + ' FAILED');
    for (const id of plan.failedIds.concat([plan.xssId])) assert(r.some((x) => x.id === id), 'missing ' + id);
    return { rows: r.length };
  });

  await check('filter-tag', async () => {
    await filter({ 'f-tag': plan.tag, 'f-limit': '100' });
    const r = await waitForRows((r) => r.length === plan.tagCount, plan.tagCount + ' rows tagged ' + plan.tag);
    await shot(page, 'commands');
    return { rows: r.length };
  });

  await check('filter-search', async () => {
    await filter({ 'f-search': 'DECLINED' });
    const r = await waitForRows((r) => r.length === plan.declinedCount && r.every((x) => x.name === 'chargeCard' && /declined/.test(x.error)), plan.declinedCount + ' declined cards');
    return { rows: r.length };
  });

  await check('filter-clear-and-paging', async () => {
    await filter({ 'f-limit': '25' });
    const first = await waitForRows((r) => r.length === 25, 'a first page of 25');
    assert(!(await page.locator('#next-page').isDisabled()), 'next page disabled with more than 25 commands');
    await page.locator('#next-page').click();
    const second = await waitForRows((r) => !r.some((x) => first.some((y) => y.id === x.id)), 'a second page with other commands');
    await page.locator('#first-page').click();
    await waitForRows((r) => r.length === 25 && !r.some((x) => second.some((y) => y.id === x.id)), 'the first page again');
    return { first: first.length, second: second.length };
  });

  await check('detail-history', async () => {
    await filter({ 'f-status': 'FAILED', 'f-name': 'chargeCard' });
    await waitForRows((r) => r.length === plan.declinedCount, 'the declined cards');
    await page.locator('#commands tbody a[href="#/command/' + plan.retryId + '"]').click();
    await page.locator('#view-command').waitFor();
    await page.waitForFunction((id) => document.querySelector('#c-title').textContent.includes(id), plan.retryId);
    const title = await page.locator('#c-title').textContent();
    assert(title.startsWith('chargeCard'), 'title ' + title);
    const types = await page.locator('#c-history .h-type').allTextContents();
    assert(JSON.stringify(types) === JSON.stringify(['created', 'started', 'failed']), 'history ' + JSON.stringify(types));
    const payload = JSON.parse(await page.locator('#c-payload').textContent());
    assert(payload.orderId === 2000, 'payload ' + JSON.stringify(payload));
    const fields = await page.locator('#c-fields dt').allTextContents();
    for (const f of ['Status', 'Attempt', 'Created', 'Error', 'Tags']) assert(fields.includes(f), 'no ' + f + ' field in ' + JSON.stringify(fields));
    assert(await page.locator('#c-actions [data-action=retry]').isVisible(), 'no Retry button on a FAILED command');
    assert(await page.locator('#c-actions [data-action=cancel]').isHidden(), 'Cancel shown on a FAILED command');
    // The failed attempt's error is an exception with a stack trace: its first line shows, the trace unfolds and
    // stays unfolded when the next poll re-renders the timeline.
    const failed = page.locator('#c-history li.h-failed');
    const summary = await failed.locator('details > summary').textContent();
    assert(/card declined: insufficient funds \(402\)$/.test(summary), 'error summary ' + JSON.stringify(summary));
    await failed.locator('details > summary').click();
    await page.evaluate(() => { window.__timeline = document.querySelector('#c-history li.h-failed'); });
    await page.waitForFunction(() => document.querySelector('#c-history li.h-failed') !== window.__timeline);
    assert(await page.locator('#c-history li.h-failed details').evaluate((d) => d.open), 'the unfolded stack trace folded again on refresh');
    assert(await failed.locator('pre.trace').isVisible(), 'stack trace not visible');
    return { history: types, summary };
  });

  await check('retry', async () => {
    await page.locator('#c-actions [data-action=retry]').click();
    await page.locator('#message').filter({ hasText: 'retry: chargeCard is' }).waitFor();
    await page.waitForFunction(() => document.querySelector('#c-fields .badge') && document.querySelector('#c-fields .badge').textContent === 'COMPLETED');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#c-history .h-type')).some((e) => e.textContent === 'completed'));
    const types = await page.locator('#c-history .h-type').allTextContents();
    assert(await page.locator('#c-actions [data-action=retry]').isHidden(), 'Retry still shown on a COMPLETED command');
    const message = await page.locator('#message').textContent();
    await page.evaluate(() => document.querySelectorAll('#c-history details').forEach((d) => { d.open = false; }));
    await shot(page, 'detail', { fullPage: true });
    return { message, history: types };
  });

  await check('workflow', async () => {
    await page.locator('nav a[data-view=commands]').click();
    await filter({ 'f-correlation': plan.workflowId });
    await waitForRows((r) => r.length === plan.workflow.length, plan.workflow.length + ' commands of ' + plan.workflowId);
    await page.locator('#commands tbody a', { hasText: 'placeOrder' }).click();
    await page.locator('#c-workflow').click();
    await page.locator('#view-workflow').waitFor();
    await page.locator('#w-tree li').nth(plan.workflow.length - 1).waitFor();
    const nodes = await page.locator('#w-tree li').evaluateAll((lis) => lis.map((li) => ({ name: li.querySelector('a').textContent, depth: Number(li.getAttribute('data-depth')), indent: parseFloat(getComputedStyle(li).paddingLeft) })));
    assert(JSON.stringify(nodes.map((n) => ({ name: n.name, depth: n.depth }))) === JSON.stringify(plan.workflow), 'tree ' + JSON.stringify(nodes));
    assert(nodes[2].indent > nodes[1].indent && nodes[1].indent > nodes[0].indent, 'deeper nodes are not indented more: ' + JSON.stringify(nodes));
    const summary = await page.locator('#w-summary').textContent();
    assert(summary.startsWith(plan.workflow.length + ' commands'), 'summary ' + summary);
    await shotContent(page, 'workflow');
    return { nodes: nodes.length, summary };
  });

  await check('dead-letters', async () => {
    await page.locator('nav a[data-view=dead-letters]').click();
    await page.waitForFunction((n) => document.querySelectorAll('#dead-letters tbody tr a').length === n, plan.deadLetterIds.length);
    const dl = await page.locator('#dead-letters tbody tr').evaluateAll((trs) => trs.map((tr) => ({ name: tr.cells[0].textContent, attempt: tr.cells[1].textContent, error: tr.cells[3].textContent })));
    assert(dl.every((d) => d.name === 'syncInventory' && d.attempt === '3' && d.error.includes('503')), 'dead letters ' + JSON.stringify(dl));
    assert(await page.locator('#dead-letters tbody button', { hasText: 'Replay' }).count() === plan.deadLetterIds.length, 'no Replay buttons');
    await shotContent(page, 'dead-letters');
    return { rows: dl.length };
  });

  await check('xss-inert', async () => {
    // In the table (error cell), then in the detail (payload, error, history).
    await page.locator('nav a[data-view=commands]').click();
    await filter({ 'f-search': 'onerror' });
    const r = await waitForRows((r) => r.length === 1 && r[0].id === plan.xssId, 'the import with markup');
    assert(r[0].error.includes(plan.imagePayload) && r[0].error.includes(plan.scriptPayload), 'error cell does not show the markup as text: ' + r[0].error);
    await page.locator('#commands tbody a[href="#/command/' + plan.xssId + '"]').click();
    await page.waitForFunction((id) => document.querySelector('#c-title').textContent.includes(id) && document.querySelector('#c-payload').textContent.length > 0, plan.xssId);
    const payload = await page.locator('#c-payload').textContent();
    assert(payload.includes(plan.scriptPayload) && payload.includes(plan.imagePayload), 'payload does not show the markup as text: ' + payload);
    const history = await page.locator('#c-history').textContent();
    assert(history.includes(plan.imagePayload), 'history error does not show the markup as text');
    const dom = await page.evaluate(() => ({
      xss: typeof window.__xss,
      images: document.querySelectorAll('img').length,
      scripts: Array.from(document.scripts).map((s) => s.getAttribute('src')),
    }));
    assert(dom.xss === 'undefined', 'window.__xss is set: ' + dom.xss);
    assert(dom.images === 0, dom.images + ' <img> elements in the page');
    assert(dom.scripts.length === 1 && dom.scripts[0] === 'app.js', 'scripts in the page: ' + JSON.stringify(dom.scripts));
    return dom;
  });

  await check('overview-throughput', async () => {
    await page.locator('nav a[data-view=overview]').click();
    await page.locator('#view-overview').waitFor();
    // The sparkline fills as samples arrive (1 s interval in the test host); the rate appears after two samples.
    // For the screenshot, a longer line.
    await page.waitForFunction((n) => document.querySelector('#spark-completed').getAttribute('points').split(' ').length >= n, shotDir ? 10 : 4, { timeout: 25000 });
    await page.waitForFunction(() => /\/min completed/.test(document.querySelector('#rate').textContent));
    const rate = await page.locator('#rate').textContent();
    const limits = await page.locator('#limits .limit').count();
    assert(limits >= 3, 'expected the global limit and two per-name limits, saw ' + limits);
    await shotContent(page, 'overview');
    return { rate, limits };
  });

  await check('phone-layout', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'en-GB', timezoneId: 'UTC' });
    const p = await phone.newPage();
    watch(p, 'phone');
    const views = [
      ['overview', '#/', '#counts .card'],
      ['commands', '#/commands', '#commands tbody tr td'],
      ['detail', '#/command/' + plan.xssId, '#c-history li'],
      ['detail-completed', '#/command/' + plan.retryId, '#c-history li'],
      ['workflow', '#/workflow/' + encodeURIComponent(plan.workflowId), '#w-tree li'],
      ['dead-letters', '#/dead-letters', '#dead-letters tbody tr td'],
    ];
    const overflow = {};
    const problems = [];
    for (const [name, hash, ready] of views) {
      await p.goto(url + hash, { waitUntil: 'domcontentloaded' });
      await p.locator(ready).first().waitFor();
      const o = await p.evaluate(() => {
        const width = document.documentElement.clientWidth;
        const wide = [];
        document.querySelectorAll('body *').forEach((e) => {
          if (e.closest('.table-wrap') && !e.classList.contains('table-wrap')) return; // tables scroll inside their box
          const r = e.getBoundingClientRect();
          if (r.width > 0 && r.right > width + 1) wide.push((e.id ? '#' + e.id : e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : '')) + ' right=' + Math.round(r.right));
        });
        return { scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8) };
      });
      if (o.scrollWidth > o.width || o.wide.length) overflow[name] = o;
      // Error cells keep words whole (a column one letter wide is unreadable); row actions stay on screen.
      const narrow = await p.locator('td.error-cell').evaluateAll((tds) => tds.filter((td) => td.textContent && td.getClientRects().length > 0 && td.getBoundingClientRect().width < 80).length);
      if (narrow) problems.push(name + ': ' + narrow + ' error cells narrower than 80 px');
      if (name === 'dead-letters') {
        const replay = p.locator('#dead-letters tbody button', { hasText: 'Replay' }).first();
        if (!(await replay.isVisible())) problems.push('dead-letters: no visible Replay button');
        else {
          const box = await replay.boundingBox();
          const wrap = await p.locator('#view-dead-letters .table-wrap').boundingBox();
          if (box.x + box.width > wrap.x + wrap.width) problems.push('dead-letters: the Replay button is cut off (right edge ' + Math.round(box.x + box.width) + ' > ' + Math.round(wrap.x + wrap.width) + ')');
        }
      }
      if (name === 'overview') await shot(p, 'phone', { fullPage: true });
      else if (process.env.DUREX_SCREENSHOTS_ALL === '1') await shot(p, 'phone-' + name, { fullPage: true });
    }
    await phone.close();
    assert(Object.keys(overflow).length === 0, 'horizontal overflow at 390 px: ' + JSON.stringify(overflow));
    assert(problems.length === 0, problems.join('; '));
    return { views: views.map((v) => v[0]) };
  });

  await check('no-console-errors', async () => {
    assert(consoleErrors.length === 0, consoleErrors.slice(0, 10).join('\n'));
  });
} finally {
  clearTimeout(guard);
  stdin.close();
  await browser.close();
}
process.exit(failures === 0 ? 0 : 1);
