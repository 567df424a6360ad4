import { type AgentRuntime, subagentToolName } from '../agent/agent-runtime.ts';
import { userMessageText } from '../agent/attachment-hint.ts';
import type { UtilityModel } from '../agent/utility-model.ts';
import type { LockLease } from '../coord/lock.ts';
import { stoppedToolOutput } from '../protocol/index.ts';
import type { Workspaces } from '../sandbox/workspaces.ts';
import type { StoredMessage, TurnRecord } from '../store/session-store.ts';
import type { TranscriptStore } from '../store/transcript-store.ts';
import type { AnyToolDefinition } from '../tools/tool.ts';
import { ToolExecutor } from '../tools/tool-executor.ts';
import { everyTool, isToolPermitted, permittedTools } from '../tools/tool-permissions.ts';
import { AppError, isAppError } from '../util/app-error.ts';
import type { Logger } from '../util/logger.ts';
import { onAbort } from '../util/on-abort.ts';
import { modelRelevant, withStoredSummary } from './compact-history.ts';
import { type CompleteTurnDeps, completeTurn, type TurnOutcome } from './complete-turn.ts';
import { loadPromptImages } from './load-prompt-images.ts';
import { logTurnFailure } from './log-turn-failure.ts';
import { type RetryPolicy, runAttempts } from './run-attempts.ts';
import { type FollowUp, TurnRecorder } from './turn-recorder.ts';

export interface RunTurnDeps extends CompleteTurnDeps {
  retryPolicy: RetryPolicy;
  /** The model for the engine's own calls (titles, summaries); null when no model is configured. */
  utilityModel: UtilityModel | null;
  transcripts: TranscriptStore;
  runtime: AgentRuntime | null;
  workspaces: Workspaces;
  createTools: () => AnyToolDefinition[];
  modelName: string;
  lockTtlMs: number;
  modelSetupHint: string;
}

/**
 * The story of one turn, after admission: prepare, run the agent, record everything, and end
 * through `completeTurn` on every path. The stream must already be open.
 */
export async function runTurn(options: {
  deps: RunTurnDeps;
  turn: TurnRecord;
  lease: LockLease;
  /** The turn's user messages, oldest first: one, or several that were queued. */
  userMessages: StoredMessage[];
  signal: AbortSignal;
  logger: Logger;
  /** Takes the steered messages that arrived while the turn runs, for runtimes that can take them mid-turn. */
  takeFollowUps?: () => Promise<FollowUp[]>;
}): Promise<void> {
  const { deps, turn, lease, userMessages, logger } = options;
  const firstSeq = userMessages[0]?.seq ?? Number.MAX_SAFE_INTEGER;
  const scope = { ownerId: turn.ownerId, sessionId: turn.sessionId };
  // One signal stops the turn, with the first reason given: the runner's (a cancel, a shutdown); a
  // failed write, which ends it as failed with storage_error; a tripped breaker, so its tools and
  // sub-agents stop and report what they used, and it ends failed with the breaker's error.
  // Forwarded by hand: `AbortSignal.any` was a tenth of the CPU between admission and the model call.
  const stop = new AbortController();
  const signal = stop.signal;
  const stopForwarding = onAbort(options.signal, () => stop.abort(options.signal.reason));
  const recorder = new TurnRecorder({
    registry: deps.registry,
    store: deps.store,
    scope,
    turnId: turn.id,
    logger,
    onStorageFailure: (error) => stop.abort(error),
  });
  const refresh = setInterval(() => {
    deps.lock.refresh({ lease, ttlMs: deps.lockTtlMs }).catch((error: unknown) => {
      logger.error({ err: error }, 'refreshing the session lock failed');
    });
  }, deps.lockTtlMs / 3);
  refresh.unref();

  // The stream opened with the turn's `start` at admission.
  let outcome: TurnOutcome;
  try {
    const runtime = deps.runtime;
    if (!runtime) {
      throw new AppError('model_not_configured', deps.modelSetupHint, { retryable: false });
    }
    const [workspaceDir, history, transcript, session] = await Promise.all([
      deps.workspaces.ensure(turn.sessionId).catch((error: unknown) => {
        throw new AppError('workspace_error', 'The workspace for this conversation could not be prepared.', {
          cause: error,
          retryable: true,
        });
      }),
      deps.store.listMessages({ ...scope, beforeSeq: firstSeq }),
      runtime.usesTranscript ? deps.transcripts.loadTranscript(scope) : null,
      deps.store.getSession(scope),
    ]);
    const permissions = session?.permissions ?? everyTool;
    const images = await loadPromptImages({ messages: userMessages, workspaceDir, logger });
    const executor = new ToolExecutor({
      tools: permittedTools({ tools: deps.createTools(), permissions }),
      context: {
        sessionId: turn.sessionId,
        turnId: turn.id,
        workspaceDir,
        signal,
        logger,
        minFreeDiskBytes: deps.workspaces.minFreeDiskBytes,
      },
    });
    await runAttempts({
      runtime,
      input: {
        sessionId: turn.sessionId,
        turnId: turn.id,
        prompt: userMessages.map(userMessageText).join('\n\n'),
        images,
        history: runtime.usesTranscript ? modelRelevant(history) : withStoredSummary(history),
        transcript,
        workspaceDir,
        tools: executor,
        allowSubagents: isToolPermitted({ name: subagentToolName, permissions }),
        signal,
        logger,
        takeFollowUps: options.takeFollowUps
          ? async () => {
              const followUps = await options.takeFollowUps!();
              for (const followUp of followUps) recorder.recordFollowUp(followUp);
              return followUps.map((followUp) => followUp.text);
            }
          : undefined,
      },
      executor,
      tripped: (error) => stop.abort(error),
      recorder,
      policy: deps.retryPolicy,
      summaryModel: deps.utilityModel,
      metrics: deps.metrics,
      logger,
    });
    outcome = abortedOutcome(signal) ?? { status: 'completed', notice: recorder.notice };
  } catch (error) {
    outcome = abortedOutcome(signal) ?? { status: 'failed', error: toTurnError(error) };
    if (outcome.status === 'failed') logTurnFailure({ logger, error: outcome.error, cause: error });
  } finally {
    clearInterval(refresh);
    stopForwarding();
  }

  recorder.finalize({
    unresolvedToolOutput: outcome.status === 'cancelled' ? stoppedToolOutput : 'The tool did not finish.',
  });
  try {
    await recorder.flush();
  } catch (error) {
    // What the user sees must not be "completed" or "stopped" when part of it was not kept.
    if (outcome.status !== 'failed' || outcome.error.code !== 'storage_error') {
      outcome = { status: 'failed', error: toTurnError(error) };
      logTurnFailure({ logger, error: outcome.error, cause: error });
    }
  }
  if (outcome.status === 'completed') await saveTranscript({ deps, turn, recorder, logger });
  await completeTurn({ deps, turn, outcome, recorder, lease, fallbackModel: deps.modelName });
  logger.info({ status: outcome.status, usage: recorder.usage.total }, 'turn ended');
}

/** Stored only after a completed turn: then the transcript covers every row up to this turn's last. */
async function saveTranscript(options: {
  deps: RunTurnDeps;
  turn: TurnRecord;
  recorder: TurnRecorder;
  logger: Logger;
}): Promise<void> {
  const { deps, turn, recorder } = options;
  const transcript = recorder.transcript;
  if (!transcript || recorder.lastSeq === 0) return;
  try {
    await deps.transcripts.saveTranscript({
      ownerId: turn.ownerId,
      sessionId: turn.sessionId,
      transcript: { ...transcript, coveredSeq: recorder.lastSeq },
    });
  } catch (error) {
    options.logger.error({ err: error }, 'storing the transcript failed; the next turn replays the history');
  }
}

/**
 * A stopped turn is cancelled; one the server stopped (shutdown, lifetime exceeded) aborts with
 * the AppError that explains why, and fails with it.
 */
function abortedOutcome(signal: AbortSignal): TurnOutcome | null {
  if (!signal.aborted) return null;
  return signal.reason instanceof AppError
    ? { status: 'failed', error: signal.reason }
    : { status: 'cancelled' };
}

function toTurnError(error: unknown): AppError {
  if (isAppError(error)) return error;
  return new AppError('internal_error', 'Something went wrong while running this turn. Please try again.', {
    cause: error,
    retryable: true,
  });
}
