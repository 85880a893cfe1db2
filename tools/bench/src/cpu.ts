import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function machineBusyTicks(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return user + nice + system + irq + softirq + steal;
}

function processTicks(pid: number): number {
  try {
    // Fields after the command name (which may contain spaces): utime is the 12th, stime the 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return 0;
  }
}

export interface CpuUse {
  /** Core-seconds used by the whole machine, by the measured child, and by this bench process. */
  machine: number;
  child: number;
  bench: number;
}

/** CPU seconds spent between start and stop: where the time of a phase went on this machine. */
export class CpuMeter {
  private readonly machine0 = machineBusyTicks();
  private readonly child0: number;
  private readonly self0 = process.cpuUsage();
  private readonly pids: number[];

  /** `child` is summed over every pid given (several processes measured as one worker). */
  constructor(child: number | undefined | readonly (number | undefined)[]) {
    this.pids = [child].flat().filter((pid): pid is number => pid !== undefined);
    this.child0 = this.childTicks();
  }

  private childTicks(): number {
    return this.pids.reduce((sum, pid) => sum + processTicks(pid), 0);
  }

  /** Call while the child is still alive (its /proc entry goes away when it exits). */
  stop(): CpuUse {
    const self = process.cpuUsage(this.self0);
    return {
      machine: (machineBusyTicks() - this.machine0) / TICKS_PER_SECOND,
      child: (this.childTicks() - this.child0) / TICKS_PER_SECOND,
      bench: (self.user + self.system) / 1e6,
    };
  }
}
