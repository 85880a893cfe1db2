import { spawnSync } from 'node:child_process';

/** `promtool check metrics` on an exposition; null when promtool is not installed (CI installs it). */
export function promtoolCheck(exposition: string): { output: string } | null {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (run.error && (run.error as NodeJS.ErrnoException).code === 'ENOENT') {
    if (process.env.CI) throw new Error('promtool is missing: .ci/run installs Debian prometheus for it');
    console.warn('promtool not installed (Debian package prometheus): the metrics lint was skipped');
    return null;
  }
  return { output: `${run.stdout}${run.stderr}`.trim() + (run.status === 0 ? '' : ` (exit ${run.status})`) };
}
