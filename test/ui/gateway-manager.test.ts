// Issue 10: a new user creates and configures a gateway in the web UI, without curl, and sends it traffic.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import type { Page } from 'playwright-core';
import { send as sendTo, startUpstream, type RunningUpstream } from '@gatehouse/test-kit';
import { startPlatform, type RunningPlatform } from '@gatehouse/test-kit/platform.ts';
import { browserUnavailable, ensureUiBuilt, launchBrowser, screenshotPath } from './browser.ts';

const skip = browserUnavailable();
if (skip) console.log(`# skipping the browser tests: ${skip}`);

const TIMEOUT_MS = 15_000;

/** A loopback UDP port with nothing behind it: DNS queries to it are refused at once. */
async function closedUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const { port } = socket.address();
  await new Promise<void>((r) => socket.close(() => r()));
  return port;
}

/**
 * What the test sent to the gateway, so the charts can be checked against it: totals by status class,
 * by route (a 404 matched none) and by consumer.
 */
function createTally() {
  const tally = { total: 0, byClass: new Map<string, number>(), byRoute: new Map<string, number>(), byConsumer: new Map<string, number>() };
  const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  return {
    tally,
    record(route: string, status: number, consumer?: string) {
      tally.total++;
      add(tally.byClass, `${String(status)[0]}xx`);
      add(tally.byRoute, status === 404 ? '(no route matched)' : route);
      if (consumer && status === 200) add(tally.byConsumer, consumer);
    },
  };
}

describe('web UI: create and configure a gateway (issue 10)', { skip }, () => {
  let platform: RunningPlatform;
  let upstream: RunningUpstream;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let hostname = '';
  let gatewayPath = '';
  let cpPath = '';
  const { tally, record } = createTally();

  before(async () => {
    ensureUiBuilt();
    upstream = await startUpstream();
    platform = await startPlatform({
      env: {
        // Data planes report traffic every 200 ms, so the charts see it within the test.
        GATEHOUSE_TELEMETRY_FLUSH_MS: '200',
        // Custom domains: a DNS server that refuses, so a domain ends in `error` with a reason (no ACME rig).
        GATEHOUSE_DNS_SERVERS: `127.0.0.1:${await closedUdpPort()}`,
      },
    });
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
  /** A main page at 1280 px and at a phone's width. */
  const shots = async (name: string) => {
    await shot(name);
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(`${name}-phone`);
    await page.setViewportSize({ width: 1280, height: 900 });
  };
  /** One request to the gateway, tallied. */
  const send = async (route: string, path: string, consumer?: { name: string; key: string }) => {
    const res = await sendTo(platform.proxyPort, hostname, path, { headers: consumer ? { apikey: consumer.key } : {} });
    record(route, res.status, consumer?.name);
    return res;
  };
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
    cpPath = gatewayPath.replace('/gateways/', '/v2/control-planes/');
  });

  it('adds a service through the form', async () => {
    await page.getByRole('link', { name: 'Services' }).click();
    await page.getByRole('button', { name: 'New service' }).click();
    await page.getByLabel('Name', { exact: true }).fill('echo');
    await page.getByLabel('Url', { exact: true }).fill(`http://127.0.0.1:${upstream.port}/up`);
    await page.getByRole('button', { name: 'Create service' }).click();
    await page.getByRole('row', { name: /echo/ }).waitFor();
    await shots('services');
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
  });

  it('adds a request-transformer plugin through the form generated from its served schema', async () => {
    await page.getByRole('link', { name: 'Plugins' }).click();
    await page.getByRole('button', { name: 'New plugin' }).click();
    await page.getByRole('combobox', { name: 'Plugin' }).fill('request-transformer');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('request-transformer', { exact: true }).waitFor();
    const add = field('form.schema-form', 'config.add');
    await add.locator('summary').first().click();
    await add.locator('[data-field="config.add.headers"] textarea').fill('x-added:yes');
    await page.getByLabel('Service', { exact: true }).selectOption({ label: 'echo' });
    await shot('plugin-form');
    await page.getByRole('button', { name: 'Add plugin' }).click();
    await page.getByRole('row', { name: /request-transformer/ }).waitFor();
    await shots('plugins');
    const plugins = await platform.api('GET', `${cpPath}/core-entities/plugins`);
    assert.deepEqual(plugins.body.data.map((p: any) => [p.name, p.config.add.headers]), [['request-transformer', ['x-added:yes']]]);
  });

  it('proxies traffic to the hostname through the configured route and plugin', async () => {
    const deadline = Date.now() + TIMEOUT_MS;
    let last = { status: 0, body: '' };
    for (let i = 0; i < 300 && Date.now() < deadline; i++) {
      last = await send('demo', `/demo/hello?i=${i}`);
      if (last.status === 200 && upstream.requests.some((s) => s.headers['x-added'] === 'yes')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(last.status, 200, last.body);
    const hit = upstream.requests.find((s) => s.headers['x-added'] === 'yes');
    assert.ok(hit, 'the upstream received the header the plugin adds');
    assert.match(hit.url, /^\/up\/hello/);
    for (let i = 0; i < 9; i++) assert.equal((await send('demo', '/demo/more')).status, 200);
    assert.equal((await send('demo', '/nothing-here')).status, 404);
  });

  it('edits the plugin through its form (PATCH) and the gateway applies the change', async () => {
    await page.getByRole('button', { name: 'Edit request-transformer' }).click();
    const headers = field('form.schema-form', 'config.add.headers').locator('textarea');
    assert.equal(await headers.inputValue(), 'x-added:yes');
    await headers.fill('x-added:yes\nx-edited:1');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('button', { name: 'New plugin' }).waitFor();
    const plugins = await platform.api('GET', `${cpPath}/core-entities/plugins`);
    assert.deepEqual(plugins.body.data[0].config.add.headers, ['x-added:yes', 'x-edited:1']);

    const deadline = Date.now() + TIMEOUT_MS;
    for (let i = 0; i < 300 && Date.now() < deadline && !upstream.requests.some((s) => s.headers['x-edited'] === '1'); i++) {
      await send('demo', `/demo/edited?i=${i}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(upstream.requests.some((s) => s.headers['x-edited'] === '1' && s.headers['x-added'] === 'yes'), 'the upstream received the edited headers');
  });

  it('adds a consumer and credentials of each kind through their forms', async () => {
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

    await page.getByRole('button', { name: 'Add Basic auth' }).click();
    await page.getByLabel('Username', { exact: true }).fill('alice-basic');
    await page.getByLabel('Password', { exact: true }).fill('s3cret-pass');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('section', { has: page.getByRole('heading', { name: 'Basic auth' }) }).getByText('alice-basic').waitFor();

    await page.getByRole('button', { name: 'Add JWT' }).click();
    await page.getByLabel('Key', { exact: true }).fill('alice-issuer');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('section', { has: page.getByRole('heading', { name: 'JWT' }) }).getByText('alice-issuer (HS256)').waitFor();

    await page.getByRole('button', { name: 'Add HMAC auth' }).click();
    await page.getByLabel('Username', { exact: true }).fill('alice-hmac');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('section', { has: page.getByRole('heading', { name: 'HMAC auth' }) }).getByText('alice-hmac').waitFor();

    await page.getByRole('button', { name: 'Add ACL groups' }).click();
    await page.getByLabel('Group', { exact: true }).fill('admins');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.locator('section', { has: page.getByRole('heading', { name: 'ACL groups' }) }).getByText('admins').waitFor();

    const consumer = `${cpPath}/core-entities/consumers/alice`;
    assert.deepEqual((await platform.api('GET', `${consumer}/key-auth`)).body.data.map((k: any) => k.key), ['alice-secret-key-1234']);
    const basic = (await platform.api('GET', `${consumer}/basic-auth`)).body.data;
    assert.deepEqual(basic.map((b: any) => b.username), ['alice-basic']);
    assert.notEqual(basic[0].password, 's3cret-pass', 'the password is stored hashed');
    assert.deepEqual((await platform.api('GET', `${consumer}/acls`)).body.data.map((a: any) => a.group), ['admins']);
    const jwt = (await platform.api('GET', `${consumer}/jwt`)).body.data;
    assert.deepEqual(jwt.map((j: any) => [j.key, j.algorithm]), [['alice-issuer', 'HS256']]);
    assert.ok(jwt[0].secret.length >= 16, 'a secret is generated when the field is left empty');
    assert.deepEqual((await platform.api('GET', `${consumer}/hmac-auth`)).body.data.map((h: any) => h.username), ['alice-hmac']);
    await shots('credentials');
  });

  it('protects a second route with key-auth through the plugin form; the key identifies alice', async () => {
    await page.getByRole('link', { name: 'Routes' }).click();
    await page.getByRole('button', { name: 'New route' }).click();
    await page.getByLabel('Name', { exact: true }).fill('private');
    await page.getByLabel('Service', { exact: true }).selectOption({ label: 'echo' });
    await page.getByLabel('Paths', { exact: true }).fill('/private');
    await page.getByRole('button', { name: 'Create route' }).click();
    await page.getByRole('row', { name: /private/ }).waitFor();
    await shots('routes');

    await page.getByRole('link', { name: 'Plugins' }).click();
    await page.getByRole('button', { name: 'New plugin' }).click();
    await page.getByRole('combobox', { name: 'Plugin' }).fill('key-auth');
    await page.getByRole('button', { name: 'Next' }).click();
    await field('form.schema-form', 'config.key_names').locator('textarea').waitFor();
    assert.equal(await field('form.schema-form', 'config.key_names').locator('textarea').inputValue(), 'apikey', 'the schema default is shown');
    await page.getByLabel('Route', { exact: true }).selectOption({ label: 'private' });
    await page.getByRole('button', { name: 'Add plugin' }).click();
    await page.getByRole('row', { name: /key-auth/ }).waitFor();

    // Until the data plane has the new route and plugin, /private answers 404 or 200.
    const deadline = Date.now() + TIMEOUT_MS;
    let last = 0;
    for (let i = 0; i < 300 && Date.now() < deadline && last !== 401; i++) {
      last = (await send('private', `/private/x?i=${i}`)).status;
      if (last !== 401) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(last, 401);
    for (let i = 0; i < 5; i++) assert.equal((await send('private', '/private/me', { name: 'alice', key: 'alice-secret-key-1234' })).status, 200);
    assert.ok(upstream.requests.some((s) => s.url === '/up/me' && s.headers['x-consumer-username'] === 'alice'));
  });

  it('shows the traffic sent in the overview: totals by status class, latency, top routes and consumers, and the nodes', async () => {
    // The data plane flushes every 200 ms; wait (bounded) until the API counts everything sent.
    const range = `start=${new Date(Date.now() - 3_600_000).toISOString()}&end=${new Date(Date.now() + 60_000).toISOString()}`;
    const deadline = Date.now() + TIMEOUT_MS;
    let counted = -1;
    for (let i = 0; i < 100 && Date.now() < deadline && counted !== tally.total; i++) {
      const a = await platform.api('GET', `${cpPath}/analytics?${range}`);
      assert.equal(a.status, 200);
      counted = a.body.series[0].points.reduce((n: number, p: any) => n + p.requests, 0);
      if (counted !== tally.total) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(counted, tally.total, 'the analytics API counts every request sent');

    await page.goto(`${platform.apiUrl}${gatewayPath}`);
    await page.getByRole('heading', { name: 'Connect' }).waitFor();
    assert.equal((await page.getByLabel('Public Edge DNS').textContent())!.trim(), hostname);
    assert.match((await page.getByLabel('HTTPS URL').textContent())!, new RegExp(`^https://${hostname.replace(/\./g, '\\.')}:\\d+$`));

    await page.getByTestId('traffic-total').getByText(`${tally.total} requests in this range.`).waitFor();
    const rpsLegend = page.locator('figure', { hasText: 'Requests per second by status class' }).locator('.legend');
    for (const [cls, n] of tally.byClass) await rpsLegend.getByText(`${cls} · ${n} requests`).waitFor();
    assert.equal(await rpsLegend.locator('li').count(), tally.byClass.size);
    const latencyLegend = page.locator('figure', { hasText: 'Latency (p50, p99)' }).locator('.legend');
    assert.match((await latencyLegend.textContent())!, /p50 · up to \d+(\.\d)? ms.*p99 · up to \d+(\.\d)? ms/);

    const bars = async (title: string) => page.locator('figure', { hasText: title }).locator('.bars li').evaluateAll((items) => items.map((li) => [li.querySelector('.bar-label')!.textContent, Number(li.querySelector('.bar-value')!.textContent)]));
    const byCount = (rows: (string | number | null)[][]) => rows.slice().sort((a, b) => Number(b[1]) - Number(a[1]) || String(a[0]).localeCompare(String(b[0])));
    const routes = await bars('Top routes');
    assert.deepEqual(routes, byCount(routes), 'biggest first');
    assert.deepEqual(byCount(routes), byCount([...tally.byRoute]));
    assert.deepEqual(await bars('Top consumers'), [['alice', 5]]);

    const nodes = (await platform.api('GET', `${cpPath}/nodes`)).body.items;
    assert.ok(nodes.length >= 1);
    const nodeRow = page.locator('table', { has: page.locator('caption', { hasText: 'Data-plane nodes' }) }).locator('tbody tr').first();
    const cells = await nodeRow.locator('th, td').allTextContents();
    assert.deepEqual(cells.slice(0, 4), [nodes[0].hostname, nodes[0].version, nodes[0].config_hash.slice(0, 12), 'up to date']);
    await shots('overview');
  });

  it('adds an upstream and a target through the forms', async () => {
    await page.getByRole('link', { name: 'Upstreams' }).click();
    await page.getByRole('button', { name: 'New upstream' }).click();
    await page.getByLabel('Name', { exact: true }).fill('echo.internal');
    await page.getByRole('button', { name: 'Create upstream' }).click();
    await page.getByRole('row', { name: /echo\.internal/ }).waitFor();
    await page.getByRole('link', { name: 'Targets of echo.internal' }).click();
    await page.getByRole('button', { name: 'New target' }).click();
    await page.getByLabel('Target', { exact: true }).fill(`127.0.0.1:${upstream.port}`);
    await page.getByRole('button', { name: 'Add target' }).click();
    await page.getByRole('row', { name: new RegExp(`127\\.0\\.0\\.1:${upstream.port}`) }).waitFor();
    const targets = await platform.api('GET', `${cpPath}/core-entities/upstreams/echo.internal/targets`);
    assert.deepEqual(targets.body.data.map((t: any) => [t.target, t.weight]), [[`127.0.0.1:${upstream.port}`, 100]]);
    await shots('targets');
  });

  it('adds a custom domain: the CNAME to create, its live state and the reason, then removes it', async () => {
    await page.goto(`${platform.apiUrl}${gatewayPath}/domains`);
    await page.getByRole('heading', { name: 'Custom domains', level: 2 }).waitFor();
    await shot('custom-domains-empty');
    await page.getByRole('textbox', { name: 'Domain' }).fill('not a domain');
    await page.getByRole('button', { name: 'Add domain' }).click();
    await page.locator('#domain-err li').first().waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Domain' }).getAttribute('aria-invalid'), 'true');

    await page.getByRole('textbox', { name: 'Domain' }).fill('api.example.test');
    await page.getByRole('button', { name: 'Add domain' }).click();
    const item = page.locator('.domain-list li', { hasText: 'api.example.test' });
    await item.waitFor();
    const [stored] = (await platform.api('GET', '/v3/cloud-gateways/custom-domains')).body.data;
    assert.equal(stored.cname_target, hostname);
    assert.equal((await item.getByLabel('CNAME target for api.example.test').textContent())!.trim(), hostname);
    assert.equal((await item.getByLabel('CNAME record for api.example.test').textContent())!.trim(), `api.example.test. 300 IN CNAME ${hostname}.`);

    // The DNS server refuses, so the domain ends in error; the page polls and shows the API's reason.
    await item.locator('.badge', { hasText: 'error' }).waitFor();
    const domain = (await platform.api('GET', `/v3/cloud-gateways/custom-domains/${stored.id}`)).body;
    assert.equal(domain.state, 'error');
    assert.equal((await item.getByTestId('domain-reason').textContent())!.trim(), domain.state_metadata.reason);
    assert.match(domain.state_metadata.reason, /DNS/);
    await item.getByRole('button', { name: 'Check DNS now' }).click();
    await item.getByRole('status').getByText('CNAME not found yet · certificate not issued yet').waitFor();
    await shots('custom-domains');

    await item.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await page.getByText('No custom domains.').waitFor();
    assert.deepEqual((await platform.api('GET', '/v3/cloud-gateways/custom-domains')).body.data, []);
  });

  it('lists the gateway and deletes it after confirmation', async () => {
    await page.getByRole('link', { name: 'Gateways' }).first().click();
    const row = page.getByRole('row', { name: /shop/ });
    await row.waitFor();
    assert.match((await row.textContent())!, /ready/);
    assert.match((await row.textContent())!, new RegExp(hostname.replace(/\./g, '\\.')));
    await row.getByRole('cell', { name: String(tally.total), exact: true }).waitFor();
    await shots('gateways');

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
