// Issue 10: a new user creates and configures a gateway in the web UI, without curl, and sends it traffic.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { startPlatform, type RunningPlatform } from '@gatehouse/test-kit/platform.ts';
import { browserUnavailable, ensureUiBuilt, launchBrowser, screenshotPath } from './browser.ts';

const skip = browserUnavailable();
if (skip) console.log(`# skipping the browser tests: ${skip}`);

const TIMEOUT_MS = 15_000;

async function startEcho() {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ url: req.url!, headers: req.headers });
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function proxyGet(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web UI: create and configure a gateway (issue 10)', { skip }, () => {
  let platform: RunningPlatform;
  let upstream: Awaited<ReturnType<typeof startEcho>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let hostname = '';
  let gatewayPath = '';

  before(async () => {
    ensureUiBuilt();
    upstream = await startEcho();
    platform = await startPlatform();
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.setDefaultTimeout(TIMEOUT_MS);
  });
  after(async () => {
    await browser?.close();
    await platform?.destroy();
    await upstream?.close();
  });

  const shot = (name: string) => page.screenshot({ path: screenshotPath(name), fullPage: true });
  const field = (form: string, path: string) => page.locator(`${form} [data-field="${path}"]`);

  it('refuses a wrong token on its field, then signs in and keeps the token out of the URL', async () => {
    await page.goto(`${platform.apiUrl}/`);
    await page.getByLabel('Access token').fill('kpat_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#token-err').getByText('not valid').waitFor();
    assert.equal(await page.getByLabel('Access token').getAttribute('aria-invalid'), 'true');
    await shot('sign-in-error');

    await page.getByLabel('Access token').fill(platform.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Gateways', level: 1 }).waitFor();
    assert.ok(!page.url().includes(platform.token), 'token not in the URL');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('gatehouse.token')), platform.token);
    await page.getByText('No gateways yet.').waitFor();
  });

  it('shows the API error on the name field, then creates a serverless gateway and waits for ready', async () => {
    await page.getByRole('link', { name: 'New gateway' }).click();
    await page.getByRole('radio', { name: /Serverless/ }).check();
    await shot('new-gateway-type');
    await page.getByRole('button', { name: 'Next' }).click();

    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('#gw-name-err li').first().waitFor();
    assert.equal(await page.getByLabel('Name').getAttribute('aria-invalid'), 'true');
    await shot('new-gateway-error');

    await page.getByLabel('Name').fill('shop');
    await page.getByLabel('Description').fill('The shop API');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'Your gateway is ready' }).waitFor();
    hostname = (await page.getByLabel('Hostname', { exact: true }).textContent())!.trim();
    assert.match(hostname, /^[0-9a-f]{10}\.us\./);
    const curl = await page.getByLabel('curl command').textContent();
    assert.match(curl!, new RegExp(`^curl -i https?://${hostname.replace(/\./g, '\\.')}`));
    await shot('new-gateway-ready');

    const listed = await platform.api('GET', '/v2/control-planes');
    assert.deepEqual(listed.body.data.map((cp: any) => [cp.name, cp.description, cp.config.cluster_type]), [['shop', 'The shop API', 'CLUSTER_TYPE_SERVERLESS_V1']]);
    await page.getByRole('link', { name: 'Open gateway' }).click();
    await page.getByRole('heading', { name: 'Connect' }).waitFor();
    gatewayPath = new URL(page.url()).pathname;
  });

  it('adds a service through the form', async () => {
    await page.getByRole('link', { name: 'Services' }).click();
    await page.getByRole('button', { name: 'New service' }).click();
    await page.getByLabel('Name', { exact: true }).fill('echo');
    await page.getByLabel('Url', { exact: true }).fill(`http://127.0.0.1:${upstream.port}/up`);
    await page.getByRole('button', { name: 'Create service' }).click();
    await page.getByRole('row', { name: /echo/ }).waitFor();
    await shot('services');
  });

  it('shows a route error on the field the API names, then adds the route', async () => {
    await page.getByRole('link', { name: 'Routes' }).click();
    await page.getByRole('button', { name: 'New route' }).click();
    await page.getByLabel('Name', { exact: true }).fill('demo');
    await page.getByLabel('Service', { exact: true }).selectOption({ label: 'echo' });
    await page.getByLabel('Paths', { exact: true }).fill('no-leading-slash');
    await page.getByRole('button', { name: 'Create route' }).click();
    const error = field('form.schema-form', 'paths').locator('.field-error li').first();
    await error.waitFor();
    assert.ok((await error.textContent())!.length > 0);
    assert.equal(await page.getByLabel('Paths', { exact: true }).getAttribute('aria-invalid'), 'true');
    await shot('route-field-error');

    await page.getByLabel('Paths', { exact: true }).fill('/demo');
    await page.getByRole('button', { name: 'Create route' }).click();
    await page.getByRole('row', { name: /demo/ }).waitFor();
    await shot('routes');
  });

  it('adds a request-transformer plugin through the form', async () => {
    await page.getByRole('link', { name: 'Plugins' }).click();
    await page.getByRole('button', { name: 'New plugin' }).click();
    await page.getByRole('combobox', { name: 'Plugin' }).fill('request-transformer');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('request-transformer', { exact: true }).waitFor();
    const headers = field('form.schema-form', 'config.add.headers');
    if (await headers.count()) {
      // The server publishes the plugin's schema: a generated field per config entry.
      await field('form.schema-form', 'config.add').locator('summary').first().click();
      await headers.locator('textarea').fill('x-added:yes');
    } else {
      await page.getByLabel('Config', { exact: true }).fill('{"add":{"headers":["x-added:yes"]}}');
    }
    await page.getByLabel('Service', { exact: true }).selectOption({ label: 'echo' });
    await shot('plugin-form');
    await page.getByRole('button', { name: 'Add plugin' }).click();
    await page.getByRole('row', { name: /request-transformer/ }).waitFor();
    await shot('plugins');
  });

  it('proxies traffic to the hostname through the configured route and plugin', async () => {
    const deadline = Date.now() + TIMEOUT_MS;
    let last = { status: 0, body: '' };
    for (let i = 0; i < 300 && Date.now() < deadline; i++) {
      last = await proxyGet(platform.proxyPort, hostname, `/demo/hello?i=${i}`);
      if (last.status === 200 && upstream.seen.some((s) => s.headers['x-added'] === 'yes')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(last.status, 200, last.body);
    const hit = upstream.seen.find((s) => s.headers['x-added'] === 'yes');
    assert.ok(hit, 'the upstream received the header the plugin adds');
    assert.match(hit.url, /^\/up\/hello/);
    for (let i = 0; i < 9; i++) assert.equal((await proxyGet(platform.proxyPort, hostname, '/demo/more')).status, 200);
    assert.equal((await proxyGet(platform.proxyPort, hostname, '/nothing-here')).status, 404);
  });

  it('shows the overview with the Connect panel and traffic (charts or the not-yet-available state)', async () => {
    await page.goto(`${platform.apiUrl}${gatewayPath}`);
    await page.getByRole('heading', { name: 'Connect' }).waitFor();
    assert.equal((await page.getByLabel('Public Edge DNS').textContent())!.trim(), hostname);
    await page.getByRole('heading', { name: 'Traffic' }).waitFor();
    const analytics = await platform.api('GET', `${gatewayPath.replace('/gateways/', '/v2/control-planes/')}/analytics?start=${new Date(Date.now() - 3_600_000).toISOString()}&end=${new Date(Date.now() + 60_000).toISOString()}&granularity=minute`);
    if (analytics.status === 404) await page.getByText('Traffic analytics are not available on this server yet.').waitFor();
    else await page.getByText('Requests per second by status class').waitFor();
    await shot('overview');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('overview-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('adds a consumer and an API key', async () => {
    await page.getByRole('link', { name: 'Consumers' }).click();
    await page.getByRole('button', { name: 'New consumer' }).click();
    await page.getByLabel('Username', { exact: true }).fill('alice');
    await page.getByRole('button', { name: 'Create consumer' }).click();
    await page.getByRole('row', { name: /alice/ }).waitFor();
    await shot('consumers');
    await page.getByRole('link', { name: 'Credentials of alice' }).click();
    await page.getByRole('button', { name: 'Add API keys' }).click();
    await page.getByLabel('Key', { exact: true }).fill('alice-secret-key-1234');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('alic…1234').waitFor();
    const keys = await platform.api('GET', `${gatewayPath.replace('/gateways/', '/v2/control-planes/')}/core-entities/consumers/alice/key-auth`);
    assert.deepEqual(keys.body.data.map((k: any) => k.key), ['alice-secret-key-1234']);
    await shot('credentials');
  });

  it('adds a custom domain and shows the CNAME to create and its state', async () => {
    await page.goto(`${platform.apiUrl}${gatewayPath}/domains`);
    await page.getByRole('heading', { name: 'Custom domains', level: 2 }).waitFor();
    await shot('custom-domains-empty');
    await page.getByRole('textbox', { name: 'Domain' }).fill('api.example.test');
    await page.getByRole('button', { name: 'Add domain' }).click();
    const item = page.locator('.domain-list li', { hasText: 'api.example.test' });
    await item.waitFor();
    assert.match((await item.locator('.badge').textContent())!, /^(created|initializing|ready|error)$/);
    assert.match((await item.getByLabel('CNAME record for api.example.test').textContent())!, new RegExp(`CNAME ${hostname.replace(/\./g, '\\.')}\\.$`));
    await shot('custom-domains');
    await item.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await page.getByText('No custom domains.').waitFor();
  });

  it('lists the gateway and deletes it after confirmation', async () => {
    await page.getByRole('link', { name: 'Gateways' }).first().click();
    const row = page.getByRole('row', { name: /shop/ });
    await row.waitFor();
    assert.match((await row.textContent())!, /ready/);
    assert.match((await row.textContent())!, new RegExp(hostname.replace(/\./g, '\\.')));
    await shot('gateways');

    await row.getByRole('link', { name: 'shop' }).click();
    await page.getByRole('button', { name: 'Delete gateway' }).click();
    await shot('delete-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Delete gateway' }).click();
    await page.getByText('No gateways yet.').waitFor();
    assert.deepEqual((await platform.api('GET', '/v2/control-planes')).body.data, []);
  });

  it('signs out and forgets the token', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Access token').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('gatehouse.token')), null);
  });
});
