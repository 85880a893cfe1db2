import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { composeServices } from './compose-file.js';
import { CODE_ENV, SERVICES, type ServiceName } from './deployed-env.js';
import { chartDir, Helm, root, type Manifest } from './helm-chart.js';

const ciValues = readdirSync(join(chartDir, 'ci'))
  .filter((f) => f.endsWith('-values.yaml'))
  .map((f) => join(chartDir, 'ci', f));
const ciFile = (name: string) => join(chartDir, 'ci', name);

/** CRDs kubernetes-models has no model for: their apiVersion and the fields the chart relies on. */
const CUSTOM_KINDS: Record<string, { apiVersion: string; specKeys: string[] }> = {
  ServiceMonitor: { apiVersion: 'monitoring.coreos.com/v1', specKeys: ['selector', 'endpoints'] },
  PrometheusRule: { apiVersion: 'monitoring.coreos.com/v1', specKeys: ['groups'] },
  ScaledObject: { apiVersion: 'keda.sh/v1alpha1', specKeys: ['scaleTargetRef', 'triggers'] },
};

type Container = {
  env: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef: { name: string; key: string; optional?: boolean } };
  }[];
  [key: string]: unknown;
};
type PodSpec = { containers: Container[]; terminationGracePeriodSeconds?: number; [key: string]: unknown };
const podSpec = (m: Manifest) => (m.spec!.template as { spec: PodSpec }).spec;
const byKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
const component = (m: Manifest) => m.metadata.labels?.['app.kubernetes.io/component'];

/** Metric names the services register (string literals passed to metrics.counter/gauge/histogram). */
function exportedMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.includes('spec')) {
        for (const match of readFileSync(path, 'utf8').matchAll(
          /\.(?:counter|gauge|histogram)\(\s*'(hourglass_\w+)'/g,
        )) {
          names.add(match[1]);
        }
      }
    }
  };
  for (const parent of ['apps', 'libs']) {
    for (const project of readdirSync(join(root, parent))) walk(join(root, parent, project, 'src'));
  }
  return names;
}

let helm: Helm;
beforeAll(() => {
  helm = Helm.extract();
});
afterAll(() => helm.remove());

describe('helm/hourglass', () => {
  it('passes `helm lint` with the default values and every ci/*-values.yaml', () => {
    for (const args of [[], ...ciValues.map((f) => ['-f', f])]) {
      const result = helm.run(['lint', '--strict', chartDir, ...args]);
      expect({ args, out: result.stdout + result.stderr, status: result.status }).toMatchObject({ status: 0 });
    }
  });

  it('renders manifests that validate against the Kubernetes API schemas, for every values file', async () => {
    for (const files of [[], ...ciValues.map((f) => [f])]) {
      for (const manifest of helm.template(files)) {
        const custom = CUSTOM_KINDS[manifest.kind];
        if (custom) {
          expect(manifest.apiVersion).toBe(custom.apiVersion);
          for (const key of custom.specKeys) expect(manifest.spec).toHaveProperty(key);
          continue;
        }
        const models = await import(`kubernetes-models/${manifest.apiVersion}/${manifest.kind}`);
        const Model = models[manifest.kind] as new (data: unknown) => { validate(): void };
        expect(() => new Model(manifest).validate()).not.toThrow();
      }
    }
  });

  it('rejects a misspelt value, at any depth', () => {
    expect(() => helm.template([], ['dispatcher.concurency=5'])).toThrow(/additional properties 'concurency'/);
    expect(() => helm.template([], ['ingres.enabled=true'])).toThrow(/additional properties 'ingres'/);
    expect(() => helm.template([], ['apiGateway.resources.requests.cpuu=1'])).toThrow(/'cpuu' not allowed/);
  });

  it('runs each service hardened, probed, spread, with a grace period longer than its drain', () => {
    const manifests = helm.template();
    const deployments = byKind(manifests, 'Deployment');
    expect(deployments.map(component).sort()).toEqual([...SERVICES].sort());
    for (const deployment of deployments) {
      const pod = podSpec(deployment);
      const [container] = pod.containers;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true });
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
      expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'http' } });
      expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 'http' } });
      expect(container.resources).toHaveProperty('requests.cpu');
      expect(pod.topologySpreadConstraints).toHaveLength(2);
      const drainMs = Number(container.env.find((e) => e.name === 'SHUTDOWN_GRACE_MS')!.value);
      const lifecycle = container.lifecycle as { preStop: { exec: { command: string[] } } } | undefined;
      const pauseSeconds = Number(lifecycle?.preStop.exec.command[1] ?? 0);
      expect(pauseSeconds > 0).toBe(component(deployment) === 'api-gateway');
      expect((pod.terminationGracePeriodSeconds! - pauseSeconds) * 1000).toBeGreaterThan(drainMs);
      expect(deployment.spec!.replicas).toBe(2);
    }
    const job = byKind(manifests, 'Job')[0];
    expect(job.metadata.annotations!['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(podSpec(job).containers[0].image).toBe('hourglass/migrate:0.1.0');
    expect(byKind(manifests, 'PodDisruptionBudget')).toHaveLength(3);
    expect(byKind(manifests, 'HorizontalPodAutoscaler')).toHaveLength(0);
  });

  it('never renders a secret value it was not given: existingSecret is only referenced', () => {
    for (const files of [[], [ciFile('existing-secret-values.yaml')], [ciFile('full-values.yaml')]]) {
      const manifests = helm.template(files);
      expect(byKind(manifests, 'Secret')).toEqual([]);
      const refs = byKind(manifests, 'Deployment').flatMap((d) =>
        podSpec(d).containers[0].env.flatMap((e) => (e.valueFrom ? [e.valueFrom.secretKeyRef.name] : [])),
      );
      expect(new Set(refs)).toEqual(new Set([files.length ? 'hourglass-prod' : 'r-hourglass']));
    }
    const inline = helm.template([ciFile('inline-secrets-values.yaml')]);
    const [secret] = byKind(inline, 'Secret');
    expect(secret.stringData).toEqual({
      DATABASE_URL: 'postgres://hourglass:ci-only@db.example.com:5432/hourglass',
      HOURGLASS_ADMIN_TOKEN: 'ci-admin-token-0123456789',
      HOURGLASS_MASTER_KEYS: 'v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    });
    const others = JSON.stringify(inline.filter((m) => m !== secret));
    for (const value of Object.values(secret.stringData!)) expect(others).not.toContain(value);
    expect(() => helm.template([], ['secrets.adminToken=only-one-of-three-values'])).toThrow(/together/);
  });

  it('sets the same variables as docker-compose.yml for each service, all of them read by the code', () => {
    const compose = composeServices(root);
    const manifests = helm.template();
    const workloads = [...byKind(manifests, 'Deployment'), ...byKind(manifests, 'Job')];
    for (const workload of workloads) {
      const name = (component(workload) ?? '') as ServiceName | 'migrate';
      const names = podSpec(workload).containers[0].env.map((e) => e.name);
      expect(names.filter((n) => !CODE_ENV[name].has(n))).toEqual([]);
      // Rendered only when given; compose names them always (a localhost default, or empty).
      const optional = ['HOURGLASS_PUBLIC_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT'];
      const composeNames = Object.keys(compose[name].environment!).filter((n) => !optional.includes(n));
      expect({ name, env: [...names].sort() }).toEqual({ name, env: composeNames.sort() });
    }
  });

  it('can hand the master keys over as a mounted file (HOURGLASS_MASTER_KEYS_FILE) instead', () => {
    const manifests = helm.template([ciFile('existing-secret-values.yaml')]);
    for (const deployment of byKind(manifests, 'Deployment')) {
      const pod = podSpec(deployment);
      const [container] = pod.containers;
      const file = container.env.find((e) => e.name === 'HOURGLASS_MASTER_KEYS_FILE')!.value!;
      expect(container.env.map((e) => e.name)).not.toContain('HOURGLASS_MASTER_KEYS');
      expect(CODE_ENV[component(deployment) as ServiceName].has('HOURGLASS_MASTER_KEYS_FILE')).toBe(true);
      const mount = (container.volumeMounts as { name: string; mountPath: string }[]).find(
        (m) => m.name === 'master-keys',
      )!;
      expect(file).toBe(`${mount.mountPath}/keys`);
      expect(pod.volumes).toContainEqual({
        name: 'master-keys',
        secret: {
          secretName: 'hourglass-prod',
          defaultMode: 0o440,
          items: [{ key: 'HOURGLASS_MASTER_KEYS', path: 'keys' }],
        },
      });
    }
  });

  it('alerts and scales only on metrics the services export', () => {
    const manifests = helm.template([ciFile('full-values.yaml')]);
    const [rule] = byKind(manifests, 'PrometheusRule');
    const [scaled] = byKind(manifests, 'ScaledObject');
    const text = JSON.stringify(rule.spec) + JSON.stringify(scaled.spec);
    const used = new Set([...text.matchAll(/hourglass_\w+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')));
    const exported = exportedMetrics();
    expect(used.size).toBeGreaterThanOrEqual(4);
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
    const alerts = (rule.spec!.groups as { rules: { alert: string }[] }[])[0].rules.map((r) => r.alert);
    expect(alerts).toEqual(expect.arrayContaining(['HourglassNoSchedulerLeader', 'HourglassSchedulerLate']));
  });

  const promtool = spawnSync('promtool', ['--version']).status === 0;
  if (!promtool) console.warn('SKIP `promtool` checks: no promtool binary (Debian: apt-get install prometheus)');
  (promtool ? it : it.skip)('alerts that promtool accepts and that fire when they should', () => {
    const [rule] = byKind(helm.template([ciFile('full-values.yaml')]), 'PrometheusRule');
    const rules = join(helm.dir, 'rules.yaml');
    writeFileSync(rules, stringify({ groups: rule.spec!.groups }));
    const series = (name: string, labels: string, values: string) => ({
      series: `${name}{namespace="hourglass",service="test",${labels}}`,
      values,
    });
    type Rule = { alert: string; labels: Record<string, string>; annotations: Record<string, string> };
    const defined = (rule.spec!.groups as { rules: Rule[] }[])[0].rules;
    const alerts = (at: string, alertname: string, firing: boolean) => {
      const { labels, annotations } = defined.find((r) => r.alert === alertname)!;
      return {
        eval_time: at,
        alertname,
        exp_alerts: firing ? [{ exp_labels: labels, exp_annotations: annotations }] : [],
      };
    };
    const tests = {
      rule_files: [rules],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            series('hourglass_scheduler_leader', 'instance="a"', '0x10'),
            series('hourglass_scheduler_leader', 'instance="b"', '0x5 1x5'),
            series('hourglass_delivery_attempts_total', 'outcome="delivered"', '0+10x30'),
            series('hourglass_delivery_attempts_total', 'outcome="retryable"', '0+1x15 0+10x15'),
            series('hourglass_queue_oldest_ready_age_seconds', 'queue="deliver"', '0x5 120x10'),
          ],
          alert_rule_test: [
            alerts('4m', 'HourglassNoSchedulerLeader', true),
            alerts('9m', 'HourglassNoSchedulerLeader', false),
            alerts('14m', 'HourglassDeliveryErrorRatio', false),
            alerts('30m', 'HourglassDeliveryErrorRatio', true),
            alerts('4m', 'HourglassOldestReadyTaskAge', false),
            alerts('14m', 'HourglassOldestReadyTaskAge', true),
          ],
        },
      ],
    };
    const testFile = join(helm.dir, 'rules-test.yaml');
    writeFileSync(testFile, stringify(tests));
    for (const args of [
      ['check', 'rules', rules],
      ['test', 'rules', testFile],
      ['check', 'config', join(root, 'deploy/prometheus.yml')],
    ]) {
      const result = spawnSync('promtool', args, { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`promtool ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
    }
  });

  it("opens the dispatcher's egress to the internet, not to private ranges unless allowed", () => {
    const policy = (manifests: Manifest[]) =>
      byKind(manifests, 'NetworkPolicy').find((p) => p.metadata.name === 'r-hourglass-dispatcher')!;
    type Egress = { to: { ipBlock: { cidr: string; except?: string[] } }[] }[];
    const [rule] = policy(helm.template()).spec!.egress as Egress;
    expect(rule.to[0].ipBlock.cidr).toBe('0.0.0.0/0');
    expect(rule.to[0].ipBlock.except).toEqual(
      expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']),
    );
    expect(rule.to).toHaveLength(2);

    const opened = helm.template([ciFile('full-values.yaml')]);
    const [openedRule] = policy(opened).spec!.egress as Egress;
    expect(openedRule.to[2]).toEqual({ ipBlock: { cidr: '10.20.0.0/16' } });
    const dispatcher = byKind(opened, 'Deployment').find((d) => component(d) === 'dispatcher')!;
    const allow = podSpec(dispatcher).containers[0].env.find((e) => e.name === 'HOURGLASS_ALLOW_PRIVATE_TARGETS');
    expect(allow?.value).toBe('10.20.0.0/16');
  });

  it('scales the dispatcher with an HPA when asked, leaving its replica count to it', () => {
    const manifests = helm.template([ciFile('hpa-values.yaml')]);
    const [hpa] = byKind(manifests, 'HorizontalPodAutoscaler');
    expect(hpa.spec!.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'r-hourglass-dispatcher' });
    const dispatcher = byKind(manifests, 'Deployment').find((d) => component(d) === 'dispatcher')!;
    expect(dispatcher.spec).not.toHaveProperty('replicas');
  });
});
