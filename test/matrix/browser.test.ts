// The example in a real browser: Debian's chromium, driven by playwright-core, at the stack's one
// public door through the project's own `make serve` (tools/serve.py: the stand-in for that door in
// front of the real Lambda handler). One project per door shape: API Gateway's own URL (/<stage>/),
// a custom domain's root and a custom domain's base path. Then a REST project with wildcard binary
// media types and an HTTP project through `make sam-local`: SAM CLI's own `sam local start-api`
// emulation (tools/sam_local.py, the function in-process, no Docker), at /.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page, Response } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { generateProject, progress, startServe } from './harness.js';
import { settings } from './settings.js';
import { VARIANTS, expectedAnswers } from './variants.js';

const WHO = 'browser';
const TIMEOUT_MS = 5 * 60_000;
const PAGE_TIMEOUT_MS = 60_000; // the first page load builds the Dash app and ships plotly.js

const defaultVariant = VARIANTS.find((v) => v.flags.length === 0)!;
const { stage } = expectedAnswers(defaultVariant);
const BASE_PATH = 'reports';
const DOMAIN = ['--domain', 'dash.example.com', '--certificate-arn', 'arn:aws:acm:us-east-1:123456789012:certificate/0b5e9a1c-7d2f-4c1e-9f3a-8e6d5c4b3a21'];

/**
 * The door shapes a deployed stack has, one project each (a stack has one public door, and `make
 * serve` serves it): the default project (no name, as `npm create serverless-dash -- --yes` gives)
 * at its stage, and custom-domain projects at the root and at a base path.
 */
const DOORS = [
  { name: 'stage', project: undefined, flags: defaultVariant.flags, prefix: `/${stage}/` },
  { name: 'custom-domain-root', project: 'custom-domain-root', flags: DOMAIN, prefix: '/' },
  {
    name: 'custom-domain-base-path',
    project: 'custom-domain-base-path',
    flags: [...DOMAIN, '--base-path', BASE_PATH],
    prefix: `/${BASE_PATH}/`,
  },
];

/** `sam local start-api` through `make sam-local`: a REST API with the wildcard binary types SAM
 * matches literally (the favicon's type is not among them), and an HTTP API. */
const SAM_LOCAL_PROJECTS = [
  { name: 'sam-local-rest-wildcard-binary', flags: ['--binary-types', 'image/*,font/woff2,application/octet-stream'] },
  { name: 'sam-local-http', flags: ['--api', 'http'] },
];

const outputDir = path.join(settings.outputDir, 'browser');
let userDataDir: string;
let browser: BrowserContext;

beforeAll(async () => {
  await fs.mkdir(outputDir, { recursive: true });
  userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'serverless-dash-chromium-'));
  browser = await launchChromium(userDataDir);
}, TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  if (userDataDir) await fs.rm(userDataDir, { recursive: true, force: true });
});

/** What the page shows of the outputs the controls drive. */
async function readOutputs(page: Page) {
  return page.evaluate(() => {
    const ranking = document.querySelector('#ranking .js-plotly-plot') as unknown as {
      data: { y: string[] }[];
      layout: { xaxis: { title: { text: string } } };
    };
    return {
      age: document.querySelector('#age')?.textContent ?? '',
      kpis: [...document.querySelectorAll('.kpi-value')].map((e) => e.textContent ?? ''),
      rankingCountries: ranking.data[0].y,
      rankingTitle: ranking.layout.xaxis.title.text,
      rankingTitleDrawn: document.querySelector('#ranking .xtitle')?.textContent ?? '',
    };
  });
}

/** "You're 9,823 days young!" for a birthday, as the dashboard words it (today's date, local time). */
function ageText(birthday: string, today: Date): string {
  const days = Math.round(
    (Date.UTC(today.getFullYear(), today.getMonth(), today.getDate()) - Date.parse(`${birthday}T00:00:00Z`)) / 86_400_000,
  );
  return `You're ${days.toLocaleString('en-US')} days young!`;
}

const TITLE = 'Serverless Dash';

/** The page shown: its address below the origin, its title, and every link inside the site. */
async function shown(page: Page) {
  return page.evaluate(() => ({
    pathname: location.pathname,
    title: document.title,
    country: document.querySelector('#country-name')?.textContent ?? null,
    links: [...document.querySelectorAll('a[href]')]
      .map((a) => a.getAttribute('href') ?? '')
      .filter((h) => !/^https?:/.test(h)),
  }));
}

/** Waits until the page shows `country` (null: a page that is no country's) with its title. */
async function waitForPage(page: Page, pathname: string, title: string, country: string | null) {
  await page.waitForFunction(
    ([p, t, c]) =>
      location.pathname === p &&
      document.title === t &&
      (document.querySelector('#country-name')?.textContent ?? null) === c,
    [pathname, title, country] as const,
  );
  return shown(page);
}

/** Every link on the page stays inside the door's prefix. */
function expectLinksInside(links: string[], prefix: string, where: string) {
  expect(links.length, `links on ${where}`).toBeGreaterThan(0);
  expect(links.filter((h) => !h.startsWith(prefix)), `links leaving ${prefix} on ${where}`).toEqual([]);
}

/**
 * Dash Pages at this door: a chart click opens a country's page, a link moves to the next country,
 * back and forward walk the history, the navigation opens the country list, and a deep link, a
 * redirect and an unknown address load directly; every address and link stays inside `prefix`.
 */
async function clickThroughPages(page: Page, origin: string, prefix: string, name: string) {
  expectLinksInside((await shown(page)).links, prefix, 'the overview');

  // Click the longest bar of the ranking chart (Plotly listens on its drag layer, so click at the
  // bar's place, as a person would).
  const ranking = await page.evaluate(() => {
    const plot = document.querySelector('#ranking .js-plotly-plot') as unknown as { data: { y: string[]; customdata: string[] }[] };
    return { names: plot.data[0].y, slugs: plot.data[0].customdata };
  });
  const top = ranking.names.length - 1; // drawn bottom-up: the longest life is the last bar
  await page.locator('#ranking').scrollIntoViewIfNeeded();
  const bar = await page.locator('#ranking .bars .point').nth(top).boundingBox();
  expect(bar, 'the longest bar is drawn').not.toBeNull();
  await page.mouse.move(bar!.x + bar!.width / 2, bar!.y + bar!.height / 2);
  await page.mouse.click(bar!.x + bar!.width / 2, bar!.y + bar!.height / 2);
  const first = await waitForPage(page, `${prefix}country/${ranking.slugs[top]}`, `${ranking.names[top]} · ${TITLE}`, ranking.names[top]);
  expectLinksInside(first.links, prefix, first.pathname);
  await page.locator('.js-plotly-plot .main-svg').first().waitFor();
  await page.screenshot({ path: path.join(outputDir, `${name}-country.png`), fullPage: true });

  // A dcc.Link to the next country, without a page load.
  const nextHref = await page.locator('#next-country').getAttribute('href');
  expect(nextHref).toMatch(new RegExp(`^${prefix}country/[a-z0-9-]+$`));
  await page.locator('#next-country').click();
  await page.waitForFunction(
    ([p, c]) => location.pathname === p && document.querySelector('#country-name')?.textContent !== c,
    [nextHref!, ranking.names[top]] as const,
  );
  await page.waitForFunction(() => document.title !== 'Serverless Dash' && document.title.includes(' · '));
  const next = await shown(page);
  expect(next.pathname).toBe(nextHref);
  expect(next.title).toBe(`${next.country} · ${TITLE}`);

  // Back, back, forward.
  await page.goBack();
  await waitForPage(page, first.pathname, first.title, first.country);
  await page.goBack();
  await waitForPage(page, prefix, TITLE, null);
  await page.locator('#scatter .main-svg').first().waitFor();
  await page.goForward();
  await waitForPage(page, first.pathname, first.title, first.country);

  // The navigation's "Countries", then a country from the list.
  await page.locator('nav.nav a', { hasText: 'Countries' }).click();
  const list = await waitForPage(page, `${prefix}countries`, `Countries · ${TITLE}`, null);
  expectLinksInside(list.links, prefix, list.pathname);
  await page.locator('.country-list a', { hasText: /^Sweden$/ }).click();
  await waitForPage(page, `${prefix}country/sweden`, `Sweden · ${TITLE}`, 'Sweden');
  await page.locator('#_pages_content .js-plotly-plot .main-svg').first().waitFor();

  // A deep link loads that page directly; an old address redirects inside the door; an unknown
  // one gets the not-found page.
  await page.goto(`${origin}${prefix}country/korea-rep`);
  const deep = await waitForPage(page, `${prefix}country/korea-rep`, `Korea, Rep. · ${TITLE}`, 'Korea, Rep.');
  await page.locator('#_pages_content .js-plotly-plot .main-svg').first().waitFor(); // plotly.js loaded, charts drawn
  expectLinksInside(deep.links, prefix, deep.pathname);
  await page.goto(`${origin}${prefix}country`);
  await waitForPage(page, `${prefix}countries`, `Countries · ${TITLE}`, null);
  await page.goto(`${origin}${prefix}no/such/page`);
  const missing = await waitForPage(page, `${prefix}no/such/page`, `Page not found · ${TITLE}`, null);
  await page.locator('#not-found').waitFor();
  expectLinksInside(missing.links, prefix, missing.pathname);
  await page.locator('main a', { hasText: 'Back to the overview' }).click();
  await waitForPage(page, prefix, TITLE, null);
  await page.locator('#scatter .main-svg').first().waitFor();
}

/**
 * The Report page's background callback (src/pages/report.py): Run shows progress while the job
 * runs elsewhere (Run disabled, Cancel enabled), then the table; a second run is cancelled: the
 * buttons come back, the table stays the first run's.
 */
async function runReport(page: Page, prefix: string, name: string) {
  await page.locator('nav.nav a', { hasText: 'Report' }).click();
  await waitForPage(page, `${prefix}report`, `Report · ${TITLE}`, null);
  const progressValue = () => page.evaluate(() => Number((document.querySelector('#report-progress') as HTMLProgressElement).value));
  await page.locator('#report-run').click();
  await page.waitForFunction(() => (document.querySelector('#report-run') as HTMLButtonElement).disabled);
  await page.waitForFunction(() => Number((document.querySelector('#report-progress') as HTMLProgressElement).value) >= 1);
  expect(await page.locator('#report-cancel').isEnabled(), 'Cancel while the job runs').toBe(true);
  await page.locator('table.report tbody tr').nth(4).waitFor();
  expect(await page.locator('#report-status').textContent()).toBe('Done.');
  expect(await progressValue()).toBe(5);
  const table = await page.locator('#report-table').innerText();
  expect(table).toMatch(/Europe/);
  await page.waitForFunction(() => !(document.querySelector('#report-run') as HTMLButtonElement).disabled);
  await page.screenshot({ path: path.join(outputDir, `${name}-report.png`), fullPage: true });

  await page.locator('#report-run').click();
  await page.waitForFunction(() => (document.querySelector('#report-status')?.textContent ?? '').endsWith('…'));
  await page.locator('#report-cancel').click();
  await page.waitForFunction(() => !(document.querySelector('#report-run') as HTMLButtonElement).disabled);
  expect(await page.locator('#report-cancel').isDisabled(), 'Cancel after the job').toBe(true);
  expect(await page.locator('#report-table').innerText(), 'a cancelled run changes no result').toBe(table);
}

/**
 * Starts `command` in the project `dir`, opens the dashboard at `prefix` in Chromium and works every
 * control and page: the charts and texts change, callbacks go to this prefix, the favicon arrives as
 * exactly the project's bytes, the pages link inside the prefix, and there is no console error and
 * no failed request.
 */
async function exerciseDashboard(name: string, dir: string, command: string[], prefix: string): Promise<void> {
  const { origin, printedPath, stop, output } = await startServe(command, dir);
  const page = await browser.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const consoleErrors: string[] = [];
  const failedRequests: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('requestfailed', (r) => failedRequests.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  page.on('response', (r) => r.status() >= 400 && failedRequests.push(`${r.request().method()} ${r.url()}: ${r.status()}`));
  try {
    expect(printedPath, 'the URL the command prints').toBe(prefix);
    const favicon = page.waitForResponse((r: Response) => new URL(r.url()).pathname.endsWith('favicon.ico'));
    const started = performance.now();
    await page.goto(`${origin}${prefix}`);
    await page.locator('#scatter .main-svg').first().waitFor();
    await page.waitForFunction(() => document.querySelector('#kpi-countries')?.textContent);
    progress(WHO, `${name}: dashboard drawn (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    const before = await readOutputs(page);
    expect(before.age).toBe('Pick your birthday to find out.');
    expect(before.rankingTitle).toBe('Life expectancy in 2007 (years)');

    // The date picker drives the birthday card.
    const birthday = '2000-01-01';
    const expectedAge = [ageText(birthday, new Date()), ageText(birthday, new Date(Date.now() - 86_400_000))];
    await page.locator('#birthday').fill(birthday);
    await page.locator('#birthday').press('Enter');
    await page.keyboard.press('Escape'); // close the calendar
    await page.waitForFunction((b) => document.querySelector('#age')?.textContent !== b, before.age);
    expect(expectedAge).toContain((await readOutputs(page)).age);

    // The continent dropdown and the year slider drive the KPIs and every chart.
    await page.locator('#continent').click();
    await page.locator('.dash-dropdown-option', { hasText: /^Europe$/ }).click();
    await page.waitForFunction((k) => document.querySelector('#kpi-countries')?.textContent !== k, before.kpis[0]);
    await page.locator('#year [role=slider]').focus();
    await page.keyboard.press('Home'); // the first year, 1952
    await page.waitForFunction(() => document.querySelector('#ranking .xtitle')?.textContent?.includes('1952'));
    const after = await readOutputs(page);
    expect(after.kpis).not.toEqual(before.kpis);
    expect(after.kpis.every((k) => k !== ''), 'every KPI shows a value').toBe(true);
    expect(after.rankingCountries).toHaveLength(10);
    expect(after.rankingCountries).not.toEqual(before.rankingCountries);
    expect(after.rankingTitle).toBe('Life expectancy in 1952 (years)');
    expect(after.rankingTitleDrawn).toBe('Life expectancy in 1952 (years)');

    // The favicon arrived as bytes, identical to the icon in the project (never base64 text).
    const icon = await (await favicon).body();
    const expectedIcon = await fs.readFile(path.join(dir, 'src', 'assets', 'favicon.ico'));
    expect(Buffer.compare(icon, expectedIcon), `favicon: ${icon.length} bytes served, ${expectedIcon.length} expected`).toBe(0);
    await page.screenshot({ path: path.join(outputDir, `${name}.png`), fullPage: true });

    await clickThroughPages(page, origin, prefix, name);
    try {
      await runReport(page, prefix, name);
    } catch (e) {
      // The job ran in the server's process: its log says what became of it.
      throw new Error(`${String(e)}\n${command.join(' ')} said:\n${output().slice(-6000)}`);
    }

    // Callbacks went to the app at this prefix, and nothing the pages asked for left the prefix.
    expect(requests).toContain(`${prefix}_dash-update-component`);
    expect(requests.filter((p) => !p.startsWith(prefix)), 'requests outside the prefix').toEqual([]);
    expect(consoleErrors, 'console errors').toEqual([]);
    expect(failedRequests, 'failed requests').toEqual([]);
  } finally {
    await page.close();
    await stop();
  }
}

describe('browser: the example at the stack\'s public door (make serve) in Chromium', () => {
  test.each(DOORS)(
    '$name ($prefix)',
    async ({ name, project, flags, prefix }) => {
      const dir = await generateProject(WHO, inject('createBin'), outputDir, project, flags);
      await exerciseDashboard(name, dir, ['make', 'serve'], prefix);
    },
    TIMEOUT_MS,
  );
});

describe('browser: sam local start-api (SAM CLI\'s emulation, tools/sam_local.py) in Chromium', () => {
  test.each(SAM_LOCAL_PROJECTS)(
    '$name',
    async ({ name, flags }) => {
      const dir = await generateProject(WHO, inject('createBin'), outputDir, name, flags);
      // No stage and no base path under sam local: the dashboard is at /.
      await exerciseDashboard(name, dir, ['make', 'sam-local'], '/');
    },
    TIMEOUT_MS,
  );
});
