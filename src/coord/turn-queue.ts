/** A turn that has been admitted (its user message and record are stored) and waits for a runner. */
export interface TurnJob {
  turnId: string;
  sessionId: string;
  ownerId: string;
}

/**
 * Hands admitted turns to runners. Embedded mode runs them in-process; the scaled mode hands
 * them to worker processes. A job is delivered to exactly one handler.
 */
export interface TurnQueue {
  enqueue(job: TurnJob): Promise<void>;
  /** Registers the handler that runs jobs, at most `concurrency` at once; extra jobs wait in order. */
  consume(options: { handler: (job: TurnJob) => Promise<void>; concurrency: number }): void;
  /** Stops taking jobs and waits for the running ones. */
  close(): Promise<void>;
}
