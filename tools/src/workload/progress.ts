/**
 * A one-line progress bar on a terminal; plain periodic lines otherwise (CI logs).
 */
export class Progress {
  private lastPlainAt = 0;
  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(fraction: number, detail: string): void {
    const f = Math.max(0, Math.min(1, fraction));
    if (this.stream.isTTY) {
      const width = 30;
      const filled = Math.round(f * width);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
      this.stream.write(
        `\r${this.label} [${bar}] ${(f * 100).toFixed(0).padStart(3)}% ${detail}\x1b[K`,
      );
    } else if (Date.now() - this.lastPlainAt >= 5_000 || f >= 1) {
      this.lastPlainAt = Date.now();
      this.stream.write(`${this.label} ${(f * 100).toFixed(0)}% ${detail}\n`);
    }
  }

  done(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
