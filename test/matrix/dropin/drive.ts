// A browser through the generated example and the drop-in app (test/matrix/dropin/app/) at the
// stack's public door: the pages
// draw, callbacks answer, the app's own assets arrive, every link and request stays inside the
// prefix, and there is no console error and no failed request.
import type { BrowserContext, Page } from 'playwright-core';

const PAGE_TIMEOUT_MS = 60_000; // the first page load builds the Dash app and ships plotly.js

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** The page's address below the origin, its title, and every link inside the site. */
async function shown(page: Page) {
  return page.evaluate(() => ({
    pathname: location.pathname,
    title: document.title,
    links: [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href') ?? '').filter((h) => !/^https?:/.test(h)),
  }));
}

async function linksInside(page: Page, prefix: string) {
  const { pathname, links } = await shown(page);
  check(links.length > 0, `no links on ${pathname}`);
  const leaving = links.filter((h) => !h.startsWith(prefix));
  check(leaving.length === 0, `links on ${pathname} leave ${prefix}: ${leaving.join(', ')}`);
}

async function textIs(page: Page, selector: string, text: string) {
  await page.waitForFunction(([s, t]) => document.querySelector(s)?.textContent === t, [selector, text] as const);
}

/** A page that records what must not happen: console errors, failed requests, requests outside the prefix. */
export async function watchedPage(context: BrowserContext, origin: string, prefix: string) {
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_TIMEOUT_MS);
  const consoleErrors: string[] = [];
  const failedRequests: string[] = [];
  const outside: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('requestfailed', (r) => failedRequests.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.origin === origin && !url.pathname.startsWith(prefix)) outside.push(url.pathname);
  });
  page.on('response', (r) => r.status() >= 400 && failedRequests.push(`${r.request().method()} ${r.url()}: ${r.status()}`));
  const nothingWrong = () => {
    check(outside.length === 0, `requests outside ${prefix}: ${outside.join(', ')}`);
    check(consoleErrors.length === 0, `console errors:\n${consoleErrors.join('\n')}`);
    check(failedRequests.length === 0, `failed requests:\n${failedRequests.join('\n')}`);
  };
  return { page, nothingWrong };
}

/**
 * The generated example at the stack's public door: the overview draws and its charts callback
 * answers (the KPIs fill in), the favicon arrives as an icon, every link stays inside the prefix,
 * the navigation opens the country list and a country's page.
 */
export async function driveExample(context: BrowserContext, origin: string, prefix: string, screenshot: string): Promise<void> {
  const { page, nothingWrong } = await watchedPage(context, origin, prefix);
  try {
    const favicon = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith('/favicon.ico'));
    await page.goto(`${origin}${prefix}`);
    await page.waitForFunction(() => (document.querySelector('#kpi-countries')?.textContent ?? '') !== '');
    await page.locator('#scatter .main-svg').first().waitFor();
    const icon = await (await favicon).body();
    check(icon.subarray(0, 4).equals(Buffer.from([0, 0, 1, 0])), `the favicon is not an icon's bytes (${icon.subarray(0, 8).toString('hex')})`);
    await linksInside(page, prefix);
    await page.screenshot({ path: screenshot, fullPage: true });
    await page.locator('a.nav-link', { hasText: 'Countries' }).click();
    await page.waitForFunction((p) => location.pathname === p, `${prefix}countries`);
    await page.locator('.country-list a', { hasText: /^Sweden$/ }).click();
    await page.waitForFunction((p) => location.pathname === p, `${prefix}country/sweden`);
    await textIs(page, '#country-name', 'Sweden');
    await linksInside(page, prefix);
    nothingWrong();
  } finally {
    await page.close();
  }
}

export async function driveDropin(context: BrowserContext, origin: string, prefix: string, screenshot: string): Promise<void> {
  const { page, nothingWrong } = await watchedPage(context, origin, prefix);
  try {
    // Home: the page draws, its callback answers on load and when the input changes.
    await page.goto(`${origin}${prefix}`);
    await textIs(page, 'h1', 'Field notes');
    await textIs(page, '#greeting', 'Hello, world!');
    await page.locator('#name').fill('Ada');
    await textIs(page, '#greeting', 'Hello, Ada!');
    // The app's own assets: its stylesheet applies, its logo loads.
    const color = await page.evaluate(() => getComputedStyle(document.querySelector('h1')!).color);
    check(color === 'rgb(230, 57, 70)', `assets/style.css did not apply (h1 color ${color})`);
    await page.waitForFunction(() => ((document.querySelector('#logo') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0);
    await linksInside(page, prefix);

    // An html.A to dash.get_relative_path("/analytics"): a page load; its chart and a dropdown callback.
    await page.locator('#to-analytics').click();
    await page.waitForFunction((p) => location.pathname === p, `${prefix}analytics`);
    await page.locator('#counts .main-svg').first().waitFor();
    await textIs(page, '#total', '41 birds in all');
    await page.locator('#series').click();
    await page.locator('.dash-dropdown-option', { hasText: /^Bees$/ }).click();
    await textIs(page, '#total', '347 bees in all');
    await page.waitForFunction(() => document.querySelector('#counts .gtitle')?.textContent === 'Bees counted per week');
    await linksInside(page, prefix);
    await page.screenshot({ path: screenshot, fullPage: true });

    // A dcc.Link to a path template's page, then the navigation (page["relative_path"]) home.
    await page.locator('a', { hasText: 'A report' }).click();
    await page.waitForFunction((p) => location.pathname === p, `${prefix}report/2024-spring`);
    await textIs(page, '#report-title', 'Report 2024-spring');
    await page.waitForFunction(() => document.title === 'Report 2024-spring');
    await linksInside(page, prefix);
    await page.locator('#nav a', { hasText: 'Home - /' }).click();
    await page.waitForFunction((p) => location.pathname === p, prefix);
    await textIs(page, '#greeting', 'Hello, world!');

    // A deep link and an unknown address load directly.
    await page.goto(`${origin}${prefix}report/2023-autumn`);
    await textIs(page, '#report-title', 'Report 2023-autumn');
    await page.goto(`${origin}${prefix}no/such/page`);
    await textIs(page, 'h2', 'This page does not exist');
    await linksInside(page, prefix);

    nothingWrong();
  } finally {
    await page.close();
  }
}
