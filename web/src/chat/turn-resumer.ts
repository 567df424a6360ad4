interface ResumableChat {
  resumeStream(): Promise<void>;
  clearError(): void;
}

/**
 * The page's resumes of a running turn. Each gets a ticket: a resume that a later one replaced
 * (the chat aborts it) ends early, and only the latest may settle the page afterwards. A resume
 * that fails before its stream begins leaves the chat in `error` with no finish, so `resume`
 * throws it and its caller recovers, instead of the page waiting for a stream that never comes.
 */
export class TurnResumer {
  readonly #chat: { current: ResumableChat };
  readonly #onResume: () => void;
  #tickets = 0;
  #waiting = 0;
  #failure: Error | null = null;

  constructor(options: { chat: { current: ResumableChat }; onResume: () => void }) {
    this.#chat = options.chat;
    this.#onResume = options.onResume;
  }

  /** The resume's ticket while no later resume replaced it, else null; throws if it failed. */
  async resume(): Promise<number | null> {
    this.#onResume();
    const ticket = ++this.#tickets;
    this.#failure = null;
    this.#waiting += 1;
    try {
      await this.#chat.current.resumeStream();
    } finally {
      this.#waiting -= 1;
    }
    if (this.#tickets !== ticket) return null;
    const failure = this.#failure;
    if (!failure) return ticket;
    this.#failure = null;
    this.#chat.current.clearError();
    throw failure;
  }

  /** Whether no resume came after the one with this ticket. */
  isLatest(ticket: number): boolean {
    return this.#tickets === ticket;
  }

  /** Takes an error the chat reported while a resume waited (`resume` throws it); false otherwise. */
  claim(error: Error): boolean {
    if (this.#waiting === 0) return false;
    this.#failure = error;
    return true;
  }
}
