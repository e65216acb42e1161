// What the command writes to the terminal or its pipes, in one place: log
// lines and documents on stdout, `analyzer: ...` lines on stderr (secrets
// hidden, folded to one line), and at most one status line (the progress of
// a long pass) at the bottom of a terminal. Anything else written while the
// status line shows clears it first and draws it again after, so it never
// mixes into other output; the streams' own write() is never replaced.
import type { Redactor } from './redact.js';

const CLEAR = '\r\x1b[2K';

export interface Streams {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export class Output {
  private status: { stream: NodeJS.WriteStream; text: string } | undefined;

  constructor(readonly redactor: Redactor, private readonly streams: Streams = { stdout: process.stdout, stderr: process.stderr }) {}

  /** stdout is a terminal (text logs and the status line are for a person there). */
  get stdoutIsTTY(): boolean {
    return Boolean(this.streams.stdout.isTTY);
  }

  /** The terminal the status line goes to: stdout's, else stderr's, else none. */
  statusTerminal(): NodeJS.WriteStream | undefined {
    const { stdout, stderr } = this.streams;
    return stdout.isTTY ? stdout : stderr.isTTY ? stderr : undefined;
  }

  /** Text on stdout as it is (a log line, a document); resolves once handed to the system. */
  print(text: string): Promise<void> {
    return new Promise((resolve) => this.around(this.streams.stdout, () => this.streams.stdout.write(text, () => resolve())));
  }

  /** One line on stderr: `analyzer: <message>`, secrets hidden, on one line. */
  error(message: string): void {
    const line = `analyzer: ${this.redactor.redact(message).replace(/\s*\n\s*/g, ' ')}\n`;
    this.around(this.streams.stderr, () => this.streams.stderr.write(line));
  }

  /** Shows `text` as the status line of `terminal` (cut to its width), replacing the one shown. */
  showStatus(terminal: NodeJS.WriteStream, text: string): void {
    const fitted = text.slice(0, Math.max(20, (terminal.columns || 80) - 1));
    this.status = { stream: terminal, text: fitted };
    terminal.write(CLEAR + fitted);
  }

  /** Clears the status line for good. */
  clearStatus(): void {
    if (this.status) this.status.stream.write(CLEAR);
    this.status = undefined;
  }

  /** Writes to `stream` with the status line cleared first and drawn again after, when both are on a terminal. */
  private around(stream: NodeJS.WriteStream, write: () => void): void {
    const shown = this.status;
    const onTerminal = shown !== undefined && stream.isTTY;
    if (onTerminal) shown.stream.write(CLEAR);
    write();
    if (onTerminal) shown.stream.write(shown.text);
  }
}
