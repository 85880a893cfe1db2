import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { makeMonitor } from '@hourglass/testing';
import { startGateway, type Gateway } from './harness.js';

const run = promisify(execFile);
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present) console.warn(`status page browser test SKIPPED: ${CHROMIUM} is not installed (.ci/run installs it)`);

/** Debian's chromium, headless, its own profile; stderr carries the page's console (CSP violations). */
async function chromium(profile: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      `--user-data-dir=${profile}`,
      '--enable-logging=stderr',
      '--v=0',
      '--window-size=1200,900',
      ...args,
    ],
    { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
  );
}

(present ? describe : describe.skip)('status page in headless Chromium', () => {
  let gw: Gateway;
  let base: string;
  let profile: string;
  beforeAll(async () => {
    gw = await startGateway();
    await gw.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(gw.app.getHttpServer().address() as AddressInfo).port}`;
    profile = await mkdtemp(join(tmpdir(), 'hourglass-chromium-'));
  });
  afterAll(async () => {
    await rm(profile, { recursive: true, force: true });
    await gw.close();
  });

  it('renders the page: a real PNG screenshot, and the DOM text shows title, monitors and states', async () => {
    const db = gw.app.get(DataSource);
    const { orgId, key } = await gw.newOrg();
    const day = 86_400_000;
    const up = await makeMonitor.monitor(db, {
      orgId,
      name: 'api-up',
      status: 'up',
      createdAt: new Date(Date.now() - 40 * day),
    });
    const down = await makeMonitor.monitor(db, { orgId, name: 'nightly-backup <b>x</b>', status: 'down' });
    await makeMonitor.incident(db, up, new Date(Date.now() - 5 * day), new Date(Date.now() - 5 * day + 3_600_000));
    await makeMonitor.incident(db, down, new Date(Date.now() - 60_000), null, 'missed heartbeat');
    await gw
      .as(key)
      .post('/v1/status-pages', { slug: 'acme-browser', title: 'Acme Status', monitorIds: [up.id, down.id] })
      .expect(201);

    const url = `${base}/status/acme-browser`;
    const file = join(profile, 'status.png');
    const shot = await chromium(profile, `--screenshot=${file}`, url);
    if (process.env.KEEP_SCREENSHOT) await copyFile(file, process.env.KEEP_SCREENSHOT); // to look at it
    const png = await readFile(file);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(1200); // IHDR width
    expect(png.length).toBeGreaterThan(15_000);
    // The inline style's hash matches the CSP: the browser applied it without a violation.
    expect(shot.stderr).not.toMatch(/Content Security Policy/i);

    const dom = await chromium(profile, '--dump-dom', url);
    expect(dom.stderr).not.toMatch(/Content Security Policy/i);
    const text = dom.stdout.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Acme Status');
    expect(text).toContain('Outage');
    expect(text).toMatch(/api-up up /);
    expect(text).toMatch(/nightly-backup &lt;b&gt;x&lt;\/b&gt; down /);
    expect(text).toContain('missed heartbeat');
    expect(dom.stdout).not.toContain('<b>x</b>');
    expect(dom.stdout.match(/class="bar[ "]/g)).toHaveLength(180);
  });
});
