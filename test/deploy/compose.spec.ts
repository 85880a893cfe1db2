import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { composeServices } from './compose-file.js';
import { CODE_ENV, ENTRYPOINTS, REQUIRED_ENV, SERVICES } from './deployed-env.js';

const root = join(import.meta.dirname, '../..');
const services = composeServices(root);

describe('docker-compose.yml', () => {
  it('starts postgres (healthy) → migrate (once, successfully) → api-gateway, scheduler ×2, dispatcher ×2', () => {
    expect(Object.keys(services).slice(0, 5)).toEqual(['postgres', 'migrate', ...SERVICES]);
    expect(services.postgres.healthcheck?.test.join(' ')).toContain('pg_isready');
    expect(services.migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(services.migrate.build?.target).toBe('migrate');
    for (const name of SERVICES) {
      expect(services[name].depends_on).toEqual({ migrate: { condition: 'service_completed_successfully' } });
      expect(services[name].build).toEqual({ context: '.', dockerfile: 'deploy/Dockerfile', target: name });
      expect(services[name].read_only).toBe(true);
      expect(services[name].tmpfs).toEqual(['/tmp']);
      const grace = Number(services[name].environment!.SHUTDOWN_GRACE_MS) / 1000;
      expect(Number.parseInt(services[name].stop_grace_period!, 10)).toBeGreaterThan(grace);
    }
    expect(services['api-gateway'].deploy?.replicas ?? 1).toBe(1);
    expect(services.scheduler.deploy?.replicas).toBe(2);
    expect(services.dispatcher.deploy?.replicas).toBe(2);
  });

  it('sets only variables the code reads, and every one it requires', () => {
    for (const name of [...SERVICES, 'migrate'] as const) {
      const names = Object.keys(services[name].environment ?? {});
      expect(names.filter((n) => !CODE_ENV[name].has(n))).toEqual([]);
      expect(REQUIRED_ENV[name].filter((n) => !names.includes(n))).toEqual([]);
    }
  });

  it('has an observability profile whose Prometheus and collector configs exist and scrape every service', () => {
    for (const name of ['prometheus', 'otel-collector']) {
      expect(services[name].profiles).toEqual(['observability']);
      const mounted = (services[name].volumes ?? []).filter((v) => v.startsWith('./'));
      for (const volume of mounted) expect(existsSync(join(root, volume.split(':')[0]))).toBe(true);
    }
    const scrape = parse(readFileSync(join(root, 'deploy/prometheus.yml'), 'utf8'));
    const targets = scrape.scrape_configs.map((c: { dns_sd_configs: { names: string[]; port: number }[] }) =>
      c.dns_sd_configs.map((d) => `${d.names[0]}:${d.port}`),
    );
    expect(targets.flat()).toEqual(SERVICES.map((s) => `${s}:${services[s].environment!.PORT}`));
  });

  it("the Dockerfile's targets start files the build produces", () => {
    const dockerfile = readFileSync(join(root, 'deploy/Dockerfile'), 'utf8');
    for (const [target, file] of Object.entries(ENTRYPOINTS)) {
      const stage = dockerfile.split(/^FROM /m).find((s) => s.startsWith(`runtime AS ${target}\n`));
      expect(stage).toContain(`CMD ["node", "${file}"]`);
      expect(existsSync(join(root, file))).toBe(true); // npm test builds first
    }
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toContain('ENTRYPOINT ["/usr/bin/tini", "--"]');
  });

  it("the Dockerfile copies every workspace's manifest, and only paths the context and the build have", () => {
    const dockerfile = readFileSync(join(root, 'deploy/Dockerfile'), 'utf8');
    const copies = [...dockerfile.matchAll(/^COPY (?:--from=([\w-]+) )?(.+) \S+$/gm)].map(([, from, sources]) => ({
      from,
      sources: sources.split(' '),
    }));
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#') && !line.startsWith('**'));
    for (const { from, sources } of copies) {
      for (const source of sources) {
        if (from === 'prod-deps') continue; // node_modules and package.json of that stage's own npm ci
        const path = from === 'build' ? source.replace(/^\/app\//, '') : source;
        expect({ path, exists: existsSync(join(root, path)) }).toEqual({ path, exists: true });
        if (!from) expect(ignored.filter((entry) => path === entry || path.startsWith(`${entry}/`))).toEqual([]);
      }
    }
    const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
    const expected = workspaces.flatMap((glob) =>
      glob.endsWith('/*')
        ? readdirSync(join(root, glob.slice(0, -2)))
            .map((dir) => `${glob.slice(0, -1)}${dir}/package.json`)
            .filter((file) => existsSync(join(root, file)))
        : [`${glob}/package.json`],
    );
    const copiedManifests = copies
      .filter((c) => !c.from)
      .flatMap((c) => c.sources)
      .filter((source) => source.endsWith('/package.json'));
    expect(copiedManifests.sort()).toEqual(expected.sort());
  });

  const binary = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
  // CI installs it (.ci/run): there a missing binary fails the test instead of skipping it.
  const withCompose = binary.status === 0 || process.env.CI ? it : it.skip;
  if (binary.status !== 0) {
    console.warn('SKIP `docker-compose config`: no docker-compose binary (Debian: apt-get install docker-compose)');
  }
  withCompose('`docker-compose config` accepts the file, and refuses it without the secrets', () => {
    const secrets = {
      POSTGRES_PASSWORD: 'pw',
      HOURGLASS_MASTER_KEYS: 'v1:a2V5',
      HOURGLASS_ADMIN_TOKEN: 'a'.repeat(16),
    };
    const run = (env: Record<string, string>) =>
      spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '--quiet'], {
        cwd: root,
        env: { PATH: process.env.PATH!, ...env },
        encoding: 'utf8',
      });
    expect(run(secrets).stderr).toBe('');
    expect(run(secrets).status).toBe(0);
    const withProfile = execFileSync('docker-compose', ['--profile', 'observability', 'config', '--services'], {
      cwd: root,
      env: { PATH: process.env.PATH!, ...secrets },
      encoding: 'utf8',
    });
    expect(withProfile.split('\n').filter(Boolean).sort()).toEqual([...Object.keys(services)].sort());
    const missing = run({ POSTGRES_PASSWORD: 'pw', HOURGLASS_MASTER_KEYS: 'v1:a2V5' });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('HOURGLASS_ADMIN_TOKEN');
  });
});
