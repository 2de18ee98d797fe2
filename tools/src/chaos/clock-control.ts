import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The clock fault, through libfaketime (Debian package `faketime`): a role runs with its
 * multithreaded library preloaded and reads its offset and rate from a timestamp file this
 * class rewrites. Both CLOCK_REALTIME and CLOCK_MONOTONIC are faked. A real wall-clock step
 * leaves monotonic time alone, but the roles time everything they do on their monotonic clock
 * (timeouts, heartbeats, retransmission, lease renewal), so a fault of the wall clock alone
 * would test nothing they use; to a process, a forward jump of its monotonic clock looks like a
 * stall of the whole machine, and a backward one holds its timers back.
 *
 * libfaketime applies a rate from the process's start, so to change the rate now without a
 * jump the offset is rewritten to keep the faked time continuous (`offsetAt`).
 */
export const LIBFAKETIME_CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1',
  '/usr/lib/faketime/libfaketimeMT.so.1',
];

/** How far after its start a process's faked clock stays at the least. */
const START_MARGIN_S = 0.5;

export function findLibfaketime(): string | null {
  return LIBFAKETIME_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** The faked clock of one process: faked(t) = t + offsetS + (rate - 1) * (t - start). */
export interface ClockSetting {
  offsetS: number;
  rate: number;
}

export const TRUE_CLOCK: ClockSetting = { offsetS: 0, rate: 1 };

/**
 * The offset that makes a new rate start now without a jump: at `elapsedS` seconds after the
 * process started, the old setting shows `elapsedS * old.rate + old.offsetS`, and so must the new.
 */
export function offsetAt(elapsedS: number, old: ClockSetting, newRate: number): number {
  return old.offsetS + elapsedS * (old.rate - newRate);
}

/** libfaketime's spec for a setting: `+1.500 x1.040000`. */
export function faketimeSpec(s: ClockSetting): string {
  const sign = s.offsetS < 0 ? '-' : '+';
  const offset = `${sign}${Math.abs(s.offsetS).toFixed(3)}`;
  return s.rate === 1 ? offset : `${offset} x${s.rate.toFixed(6)}`;
}

export class ClockControl {
  private setting: ClockSetting = TRUE_CLOCK;
  private startedAtMs = 0;
  /** The offset when the process started: its faked clock must never go back below that. */
  private offsetAtStartS = 0;
  readonly file: string;

  constructor(
    dir: string,
    readonly name: string,
    private readonly library: string,
    private readonly now: () => number = () => performance.now(),
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, `${name}.faketime`);
    this.write();
  }

  /** The environment that puts a process under this clock. */
  env(): Record<string, string> {
    return {
      LD_PRELOAD: this.library,
      FAKETIME_TIMESTAMP_FILE: this.file,
      // Re-read the file at most once a second: a clock call per read would cost too much.
      FAKETIME_CACHE_DURATION: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '0',
    };
  }

  /** The process (re)started now: libfaketime counts its rate from here. */
  started(): void {
    this.startedAtMs = this.now();
    this.offsetAtStartS = this.setting.offsetS;
    this.setting = { offsetS: this.setting.offsetS, rate: this.setting.rate };
    this.write();
  }

  /**
   * A backward jump stops short of the moment the process started: a real monotonic clock never
   * goes back at all, and Node aborts (an assertion in its timers) when its clock reads earlier
   * than at its start, which a process restarted a few seconds ago would otherwise see.
   */
  jump(seconds: number): void {
    // Never further back than the start allows, and never forward when asked to go back.
    const floor = Math.min(this.setting.offsetS, this.lowestOffsetS());
    const offsetS = Math.max(this.setting.offsetS + seconds, floor);
    this.setting = { ...this.setting, offsetS };
    this.write();
  }

  private lowestOffsetS(): number {
    const elapsedS = (this.now() - this.startedAtMs) / 1000;
    return this.offsetAtStartS - elapsedS + START_MARGIN_S;
  }

  runAt(rate: number): void {
    const elapsedS = (this.now() - this.startedAtMs) / 1000;
    this.setting = { offsetS: offsetAt(elapsedS, this.setting, rate), rate };
    this.write();
  }

  /** Back to true time (a jump by whatever offset has built up). */
  reset(): void {
    const floor = Math.min(this.setting.offsetS, this.lowestOffsetS());
    this.setting = floor > 0 ? { offsetS: floor, rate: 1 } : TRUE_CLOCK;
    this.write();
  }

  get current(): ClockSetting {
    return this.setting;
  }

  private write(): void {
    writeFileSync(this.file, `${faketimeSpec(this.setting)}\n`);
  }
}
