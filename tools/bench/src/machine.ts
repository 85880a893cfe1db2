import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

export interface MachineInfo {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  postgres: string;
  /** 1-minute load average when the run started: other work on a shared machine shows up here. */
  loadAtStart: number;
}

export const loadNow = (): number => Math.round(loadavg()[0]! * 100) / 100;

export function machineInfo(postgres: string, loadAtStart: number): MachineInfo {
  const model = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim();
  return {
    cpu: model ?? cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    postgres,
    loadAtStart,
  };
}
