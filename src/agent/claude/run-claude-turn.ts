import { workspaceRoots } from '../../tools/scrub-paths.ts';
import { AppError } from '../../util/app-error.ts';
import { onAbort } from '../../util/on-abort.ts';
import type { AgentEvent, AgentRunInput } from '../agent-runtime.ts';
import { SubagentTracker } from './claude-hooks.ts';
import type { ClaudeSession } from './claude-session.ts';
import { policyToolNames } from './claude-tools.ts';
import { isValidTranscript, readTranscript } from './cli-transcript.ts';
import { resultFailure, summariseResult } from './result-message.ts';
import { SdkMessageAdapter } from './sdk-message-adapter.ts';
import { StreamUsage } from './stream-usage.ts';
import { ToolOutputStash } from './tool-output-stash.ts';

/**
 * One turn on a CLI process: bind the turn, send the prompt, convert messages until the turn's
 * final result (a background sub-agent's report arrives as a later result: wait for it), then
 * report usage and the transcript.
 */
export async function* runClaudeTurn(options: {
  session: ClaudeSession;
  prompt: string;
  input: AgentRunInput;
  maxSubagents: number;
  /** The configured base URL's host, named when the provider cannot be reached. */
  providerHost: string | undefined;
  /** The configured model, for usage the CLI does not attribute to one. */
  modelName: string;
}): AsyncIterable<AgentEvent> {
  const { session, input } = options;
  const stash = new ToolOutputStash();
  const subagents = new SubagentTracker();
  const roots = await workspaceRoots(input.workspaceDir);
  const names = policyToolNames({ tools: input.tools.tools, maxSubagents: options.maxSubagents });
  session.startTurn();
  session.binding.bind({
    tools: input.tools,
    stash,
    subagents,
    logger: input.logger,
    policy: { ...names, maxSubagents: options.maxSubagents },
    takeFollowUps: input.takeFollowUps,
  });
  // A stop that came while the process was being acquired closes it at once.
  const stopListening = onAbort(input.signal, () => void session.close());
  const adapter = new SdkMessageAdapter({ stash, workspaceRoots: roots });
  // Until the final result, usage is counted from the stream, so a turn without one is charged too.
  const streamUsage = new StreamUsage();
  const usedSoFar = (): AgentEvent => {
    const { usage, model } = streamUsage.total();
    return { type: 'usage', usage, model: model ?? options.modelName };
  };
  try {
    session.send({ text: options.prompt, images: input.images });
    for (;;) {
      let message: Awaited<ReturnType<typeof nextMessage>>;
      try {
        message = await nextMessage({ session, providerHost: options.providerHost });
      } catch (error) {
        yield usedSoFar();
        throw error;
      }
      if (!message) {
        yield usedSoFar();
        if (input.signal.aborted) return;
        throw new AppError('model_error', 'The agent process ended unexpectedly. Please try again.', {
          retryable: true,
        });
      }
      streamUsage.observe(message);
      if (
        message.type === 'system' &&
        message.subtype === 'task_started' &&
        message.is_backgrounded === true
      ) {
        subagents.backgroundStarted(message.task_id);
      }
      if (message.type === 'system' && message.subtype === 'task_notification')
        subagents.backgroundEnded(message.task_id);
      if (message.type !== 'result') {
        yield* adapter.convert(message);
        continue;
      }
      const result = summariseResult(message, options.modelName);
      session.recordCliSessionId(result.sessionId);
      const failure = resultFailure({ ...result, providerHost: options.providerHost });
      if (!failure) yield* adapter.finishResult();
      if (!failure && subagents.pendingBackground > 0) continue;
      const usage = result.cumulative
        ? session.turnUsage({ cumulative: result.usage, mainThread: result.mainThreadUsage })
        : result.usage;
      yield { type: 'usage', usage, model: result.model ?? options.modelName };
      if (failure) throw failure;
      break;
    }
  } finally {
    stopListening();
    session.binding.unbind();
  }

  const cliSessionId = session.cliSessionId;
  if (!cliSessionId) return;
  const content = await readTranscript({
    configDir: session.configDir,
    cwd: input.workspaceDir,
    cliSessionId,
  });
  if (content && isValidTranscript({ content, cliSessionId })) {
    yield {
      type: 'transcript',
      transcript: {
        runtime: 'claude',
        cliSessionId,
        content,
        metadata: { cumulativeUsage: session.usageBaseline },
      },
    };
  } else {
    input.logger.warn({ cliSessionId }, 'the CLI transcript is missing or invalid; it is not stored');
  }
}

async function nextMessage(options: { session: ClaudeSession; providerHost: string | undefined }) {
  const { session } = options;
  try {
    return await session.next();
  } catch (error) {
    if (session.closed) return null;
    const text = error instanceof Error ? error.message : String(error);
    throw (
      resultFailure({
        isError: true,
        subtype: 'exception',
        text,
        cause: error,
        providerHost: options.providerHost,
      }) ?? error
    );
  }
}
