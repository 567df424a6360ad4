import type { Terminal } from './terminal.ts';
import { fitColumns, oneLine } from './terminal-text.ts';

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const frameMs = 80;

/**
 * The spinner on the last line while the client waits (for the model, for a tool). It is drawn
 * only on a terminal. Everything else is printed through `print`, which erases the spinner first
 * and draws it again below, so the spinner never ends up in the middle of the conversation.
 */
export class StatusLine {
  readonly #terminal: Terminal;
  #label: string | null = null;
  #since = 0;
  #frame = 0;
  #timer: NodeJS.Timeout | undefined;
  #drawn = false;

  constructor(terminal: Terminal) {
    this.#terminal = terminal;
  }

  show(label: string): void {
    if (!this.#terminal.isTTY) return;
    if (label !== this.#label) this.#since = Date.now();
    this.#label = label;
    this.#timer ??= setInterval(() => this.#draw(), frameMs);
    this.#draw();
  }

  print(text: string): void {
    if (text === '') return;
    this.#erase();
    this.#terminal.write(text);
    if (this.#label !== null) this.#draw();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#label = null;
    this.#erase();
  }

  #draw(): void {
    if (this.#label === null) return;
    const { style } = this.#terminal;
    const seconds = Math.floor((Date.now() - this.#since) / 1000);
    const columns = this.#terminal.columns();
    // The line must fit, or each redraw leaves a wrapped row behind: the frame, a space, the label,
    // the time, and the last column left free. A terminal too narrow for the time drops it.
    let elapsed = seconds >= 1 ? ` ${seconds}s` : '';
    if (columns - 3 - elapsed.length < 1) elapsed = '';
    const room = Math.max(0, columns - 3 - elapsed.length);
    const frame = frames[this.#frame++ % frames.length];
    const label = fitColumns({ text: oneLine(this.#label), columns: room });
    this.#terminal.write(
      `\r\x1b[2K${style.accent(frame ?? '')} ${label}${elapsed === '' ? '' : style.dim(elapsed)}`,
    );
    this.#drawn = true;
  }

  #erase(): void {
    if (!this.#drawn) return;
    this.#terminal.write('\r\x1b[2K');
    this.#drawn = false;
  }
}
