// Sign-in (--auth cognito) end to end in a real browser: Debian's chromium signs in at the public door
// of a generated project (its `make serve`: the stand-in for the stack's one door, here the custom
// domain's base path /kpi/) against a real OpenID Connect provider: `oidc-provider`, OpenID Certified,
// configured like Cognito's managed login (authorization code with PKCE required, RS256 ID tokens with
// token_use, a JWKS, refresh tokens without offline_access, a logout endpoint that needs no
// confirmation, no consent page). The dashboard draws and its callbacks answer; a reload keeps the
// session; a deep link opened without a session comes back to its page through the provider's
// session; the page says so when its session is gone; sign-out locks the door again.
import { promises as fs } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { launchChromium } from './chromium.js';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { generateProject, progress } from './harness.js';
import { settings, venvBin, venvEnv } from './settings.js';
import { VARIANTS, expectedAnswers } from './variants.js';

const WHO = 'sign-in';
const TIMEOUT_MS = 5 * 60_000;
const PAGE_TIMEOUT_MS = 60_000;
const CLIENT_ID = 'dashboard-local';

const variant = VARIANTS.find((v) => v.id === 'rest-cognito-domain-basepath-py313')!;
const answers = expectedAnswers(variant);

interface Door {
  command: string[];
  prefix: string;
  port: number;
  origin: string;
}

const outputDir = path.join(settings.outputDir, 'sign-in');
let projectDir: string;
let userDataDir: string;
let browser: BrowserContext;
let providerServer: http.Server;
let issuer: string;
let door: Door;
const serves: (() => Promise<void>)[] = [];

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** oidc-provider, configured like Cognito's managed login for a public client with PKCE. */
async function startProvider(port: number, clientDoor: Door): Promise<http.Server> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'local-signing-key', use: 'sig', alg: 'RS256' };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        token_endpoint_auth_method: 'none', // no secret: PKCE instead
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [`${clientDoor.origin}${clientDoor.prefix}_auth/callback`],
        post_logout_redirect_uris: [`${clientDoor.origin}${clientDoor.prefix}_auth/signed-out`],
        id_token_signed_response_alg: 'RS256',
      },
    ],
    jwks: { keys: [jwk] },
    pkce: { methods: ['S256'], required: () => true },
    // Cognito's paths.
    routes: { authorization: '/oauth2/authorize', token: '/oauth2/token', jwks: '/.well-known/jwks.json', end_session: '/logout' },
    scopes: ['openid', 'email'],
    claims: { openid: ['sub', 'token_use'], email: ['email', 'email_verified'] },
    // Claims in the ID token itself, as Cognito's ID token carries them.
    conformIdTokenClaims: false,
    async findAccount(_ctx, sub) {
      return { accountId: sub, claims: async () => ({ sub, email: `${sub}@example.com`, email_verified: true, token_use: 'id' }) };
    },
    // Cognito issues a refresh token with every sign-in (no offline_access scope) and asks no consent.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId });
      grant.addOIDCScope('openid email');
      grant.addOIDCClaims(['sub', 'token_use', 'email', 'email_verified']);
      await grant.save();
      return grant;
    },
    ttl: { IdToken: 3600, AccessToken: 3600, RefreshToken: 30 * 24 * 3600 },
    features: {
      devInteractions: { enabled: true }, // a login form that takes any name and password
      rpInitiatedLogout: {
        enabled: true,
        // Cognito's /logout signs out at once, without asking.
        async logoutSource(ctx, form) {
          ctx.body = `<!DOCTYPE html><html><head><title>Signing out</title></head><body>${form}<script>
            var f = document.getElementById('op.logoutForm'); var i = document.createElement('input');
            i.type = 'hidden'; i.name = 'logout'; i.value = 'yes'; f.appendChild(i); f.submit();
          </script></body></html>`;
        },
      },
    },
  });
  const server = http.createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

/** Starts a serve command on its port, with sign-in pointed at the provider; resolves once it says so. */
async function startServe(door: Door): Promise<string> {
  const python = venvBin('python');
  const [cmd, ...args] = [...door.command, `PYTHON=${python}`, `PORT=${door.port}`];
  // Only the issuer and the client: the endpoints come from the provider's discovery document.
  const env = { ...venvEnv(), DASH_AUTH_ISSUER: issuer, DASH_AUTH_CLIENT_ID: CLIENT_ID };
  const server = execa(cmd, args, { cwd: projectDir, env, stdin: 'ignore', buffer: false, reject: false, detached: true });
  serves.push(async () => {
    try {
      process.kill(-server.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    await server;
  });
  const stderr: string[] = [];
  server.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const lines = createInterface({ input: server.stdout });
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${door.command.join(' ')} said nothing of sign-in within 60 s:\n${stderr.join('')}`)), 60_000);
    lines.on('line', (line) => {
      if (line.startsWith('Sign-in:')) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    server.then((r) => {
      clearTimeout(timer);
      reject(new Error(`${door.command.join(' ')} exited (${r.exitCode ?? r.signal}):\n${stderr.join('')}`));
    });
  });
}

beforeAll(async () => {
  await fs.mkdir(outputDir, { recursive: true });
  projectDir = await generateProject(WHO, inject('createBin'), outputDir, 'signin-dash', variant.flags);
  const providerPort = await freePort();
  issuer = `http://127.0.0.1:${providerPort}`;
  // The stack's one public door: the custom domain's base path (its execute-api URL is disabled).
  const port = await freePort();
  door = { command: ['make', 'serve'], prefix: `/${answers.basePath}/`, port, origin: `http://127.0.0.1:${port}` };
  providerServer = await startProvider(providerPort, door);
  progress(WHO, `oidc-provider at ${issuer}; the door ${door.origin}${door.prefix}`);
  const said = await startServe(door);
  expect(said).toBe(`Sign-in: ON, with ${issuer} as the provider (client ${CLIENT_ID})`);
  userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'serverless-dash-signin-'));
  browser = await launchChromium(userDataDir);
}, TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await Promise.all(serves.map((stop) => stop()));
  await new Promise((resolve) => (providerServer ? providerServer.close(resolve) : resolve(undefined)));
  if (userDataDir) await fs.rm(userDataDir, { recursive: true, force: true });
});

/** The dashboard drew and its initial callbacks answered: the charts and the KPIs are filled in. */
async function expectDashboard(page: Page) {
  await page.locator('#scatter .main-svg').first().waitFor({ timeout: PAGE_TIMEOUT_MS });
  await page.waitForFunction(() => document.querySelector('#kpi-countries')?.textContent, undefined, { timeout: PAGE_TIMEOUT_MS });
  expect(new URL(page.url()).pathname.startsWith(door.prefix)).toBe(true);
  expect(await page.locator('#dash-auth-sign-out').count()).toBe(1);
}

describe('sign-in in Chromium against oidc-provider', () => {
  test(
    'the public door: sign in, the dashboard and its callbacks, reload, a deep link, a lost session, sign-out',
    async () => {
      const page = await browser.newPage();
      const visits: string[] = [];
      const callbacks: Request[] = [];
      page.on('request', (r) => {
        visits.push(r.url());
        if (new URL(r.url()).pathname.endsWith('_dash-update-component')) callbacks.push(r);
      });
      const home = `${door.origin}${door.prefix}`;

      // Signed out: the page goes to the provider's login (PKCE and state in the request).
      await page.goto(home, { timeout: PAGE_TIMEOUT_MS });
      await page.locator('input[name="login"]').waitFor({ timeout: PAGE_TIMEOUT_MS });
      const authorize = new URL(visits.find((u) => u.startsWith(`${issuer}/oauth2/authorize`))!);
      expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorize.searchParams.get('state')).toBeTruthy();
      expect(authorize.searchParams.get('redirect_uri')).toBe(`${home}_auth/callback`);
      await page.locator('input[name="login"]').fill('alice');
      await page.locator('input[name="password"]').fill('any password');
      await page.locator('button[type="submit"]').first().click();

      // Back at the door, signed in: the dashboard draws, the initial callbacks answer 200.
      await expectDashboard(page);
      // A callback answers: the continent dropdown drives the KPIs (a server-side callback).
      const before = callbacks.length;
      const kpis = await page.locator('#kpi-countries').textContent();
      await page.locator('#continent').click();
      await page.locator('.dash-dropdown-option', { hasText: /^Europe$/ }).click();
      await page.waitForFunction((k) => document.querySelector('#kpi-countries')?.textContent !== k, kpis);
      expect(callbacks.length).toBeGreaterThan(before);
      const statuses = await Promise.all(callbacks.map(async (r) => (await r.response())?.status()));
      expect(statuses.every((s) => s === 200), String(statuses)).toBe(true);
      const cookies = await browser.cookies(home);
      const session = cookies.find((c) => c.name === 'dash_session')!;
      expect(session.httpOnly).toBe(true);
      expect(session.sameSite).toBe('Lax');
      expect(session.path).toBe(door.prefix);
      await page.screenshot({ path: path.join(outputDir, 'signed-in.png'), fullPage: true });

      // A reload keeps the session: no trip to the provider.
      visits.length = 0;
      await page.reload({ timeout: PAGE_TIMEOUT_MS });
      await expectDashboard(page);
      expect(visits.filter((u) => u.startsWith(issuer))).toEqual([]);

      // Without the door's cookies, a deep link goes through the provider (its session: no login
      // form) and comes back to its own page, which routes and draws.
      await browser.clearCookies({ name: 'dash_session' });
      await browser.clearCookies({ name: 'dash_refresh' });
      const other = await browser.newPage();
      const deepLink = `${home}country/sweden`;
      const otherVisits: string[] = [];
      other.on('request', (r) => otherVisits.push(r.url()));
      await other.goto(deepLink, { timeout: PAGE_TIMEOUT_MS });
      await other.locator('#country-name', { hasText: 'Sweden' }).waitFor({ timeout: PAGE_TIMEOUT_MS });
      await other.locator('.main-svg').nth(1).waitFor({ timeout: PAGE_TIMEOUT_MS }); // its two charts drew
      expect(other.url()).toBe(deepLink);
      expect(otherVisits.some((u) => u.startsWith(`${issuer}/oauth2/authorize`))).toBe(true);
      expect(await other.locator('#dash-auth-sign-out').count()).toBe(1);
      await other.screenshot({ path: path.join(outputDir, 'deep-link-signed-in.png'), fullPage: true });

      // The session ends while the page is open: the page says so.
      await browser.clearCookies({ name: 'dash_session' });
      await browser.clearCookies({ name: 'dash_refresh' });
      const status = await other.evaluate(async (prefix) => (await fetch(`${prefix}_dash-layout`)).status, door.prefix);
      expect(status).toBe(401);
      await other.locator('#dash-auth-signed-out', { hasText: 'You are signed out' }).waitFor();
      expect(await other.locator('#dash-auth-signed-out a').getAttribute('href')).toBe(
        `${door.prefix}_auth/sign-in?return_to=${encodeURIComponent(`${door.prefix}country/sweden`)}`,
      );
      // "Sign in again" goes back to the same page, through the provider's session.
      await other.locator('#dash-auth-signed-out a').click();
      await other.locator('#country-name', { hasText: 'Sweden' }).waitFor({ timeout: PAGE_TIMEOUT_MS });
      expect(other.url()).toBe(deepLink);

      // Sign-out: cookies cleared, the provider's session ended, the door locked again.
      await page.goto(home, { timeout: PAGE_TIMEOUT_MS });
      await expectDashboard(page);
      await page.locator('#dash-auth-sign-out').click();
      await page.waitForURL(`${home}_auth/signed-out`, { timeout: PAGE_TIMEOUT_MS });
      expect(await page.locator('h1').textContent()).toBe('You are signed out');
      const left = await browser.cookies(home);
      expect(left.filter((c) => c.name.startsWith('dash_')).map((c) => c.name)).toEqual([]);
      const layout = await page.evaluate(async (prefix) => (await fetch(`${prefix}_dash-layout`)).status, door.prefix);
      expect(layout).toBe(401);
      await page.goto(home, { timeout: PAGE_TIMEOUT_MS });
      await page.locator('input[name="login"]').waitFor({ timeout: PAGE_TIMEOUT_MS }); // asked to sign in again
      await page.screenshot({ path: path.join(outputDir, 'signed-out.png'), fullPage: true });
      await page.close();
      await other.close();
    },
    TIMEOUT_MS,
  );
});
