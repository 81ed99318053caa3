/**
 * A progress indicator for operations scripts, on stderr (stdout stays for the listing and results):
 * a bar redrawn in place on a terminal, plain lines otherwise (logs, CI, pipes). No dependency.
 *
 *   const progress = createProgress({ label: "redrive", total: 120 });
 *   progress.tick();                 // one item done
 *   progress.log("skipped …");       // a line above the bar
 *   progress.done("120 re-driven");
 */
export interface Progress {
  /** Sets or corrects the total (it may be approximate, as an SQS queue's count is). */
  setTotal(total: number | undefined): void;
  tick(count?: number): void;
  /** Prints a line without breaking the bar. */
  log(line: string): void;
  /** Ends the bar (a final line with the summary). */
  done(summary?: string): void;
}

export interface ProgressOptions {
  label: string;
  total?: number;
  stream?: { write(chunk: string): unknown; isTTY?: boolean; columns?: number };
  /** Redraws at most this often on a terminal (ms). */
  intervalMs?: number;
  now?: () => number;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 100;
  const started = now();
  let total = options.total;
  let count = 0;
  let lastDraw = 0;
  let drawn = false;
  let lastPlainStep = 0;
  let printedAt = -1;

  const text = () => {
    const shown = total === undefined ? `${count}` : `${count}/${Math.max(total, count)}`;
    const rate = count / Math.max(0.001, (now() - started) / 1000);
    return `${options.label} ${shown} (${rate < 10 ? rate.toFixed(1) : rate.toFixed(0)}/s)`;
  };
  const bar = () => {
    if (total === undefined || total <= 0) return "";
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 40));
    const filled = Math.min(width, Math.round((count / Math.max(total, count)) * width));
    return `[${"#".repeat(filled)}${".".repeat(width - filled)}] `;
  };
  const draw = (force = false) => {
    if (tty) {
      if (!force && now() - lastDraw < interval) return;
      lastDraw = now();
      stream.write(`\r\x1b[2K${bar()}${text()}`);
      drawn = true;
      return;
    }
    // Plain lines: one per 10% when the total is known, else one per 100 items.
    const step = total ? Math.floor((count / Math.max(total, count)) * 10) : Math.floor(count / 100);
    if (force || step !== lastPlainStep) {
      lastPlainStep = step;
      printedAt = count;
      stream.write(`${text()}\n`);
    }
  };
  const clear = () => {
    if (tty && drawn) stream.write("\r\x1b[2K");
  };

  return {
    setTotal(value) {
      total = value;
    },
    tick(n = 1) {
      count += n;
      draw();
    },
    log(line) {
      clear();
      stream.write(`${line}\n`);
      if (tty && drawn) draw(true);
    },
    done(summary) {
      if (tty) {
        draw(true);
        stream.write("\n");
      } else if (count > 0 && printedAt !== count) {
        stream.write(`${text()}\n`);
      }
      if (summary) stream.write(`${options.label}: ${summary}\n`);
    },
  };
}
