import { type AgentDefinition, type Options, query, type SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import type { ModelConfig } from '../../config/config.ts';
import type { StoredMessage } from '../../store/session-store.ts';
import type { StoredTranscript } from '../../store/transcript-store.ts';
import type { ToolPolicy } from '../../tools/policy.ts';
import { AppError } from '../../util/app-error.ts';
import type { AgentEvent, AgentRunInput, AgentRuntime } from '../agent-runtime.ts';
import { formatConversationHistory, withHistory } from '../conversation-history.ts';
import { systemPrompt } from '../system-prompt.ts';
import { buildClaudeEnvironment, type ClaudeFolders, prepareClaudeFolders } from './claude-environment.ts';
import { createClaudeHooks, SubagentTracker } from './claude-hooks.ts';
import { createToolServer, mcpToolNames } from './claude-tools.ts';
import { isValidTranscript, readTranscript, restoreTranscript } from './cli-transcript.ts';
import { resultFailure, summariseResult } from './result-message.ts';
import { SdkMessageAdapter } from './sdk-message-adapter.ts';
import { ToolOutputStash } from './tool-output-stash.ts';

export interface ClaudeRuntimeOptions {
  model: Extract<ModelConfig, { provider: 'anthropic' }>;
  /** Where the session-private HOME, config and temp folders of the CLI live. */
  stateDir: string;
  maxSubagents: number;
  maxTurns: number;
  /** Sub-agents the main agent may delegate to, by name. */
  agents?: Record<string, AgentDefinition>;
  /** Overrides the bundled Claude Code binary (tests use it to wrap the CLI). */
  executablePath?: string;
}

const builtInSubagentTools = ['Agent', 'Task'];

/**
 * The real Claude Agent SDK, driving the Claude Code CLI, with our tools in an in-process MCP
 * server, a fail-closed tool policy, and resume from a stored transcript.
 */
export class ClaudeAgentRuntime implements AgentRuntime {
  readonly kind = 'claude' as const;
  readonly #options: ClaudeRuntimeOptions;

  constructor(options: ClaudeRuntimeOptions) {
    this.#options = options;
  }

  async *run(input: AgentRunInput): AsyncIterable<AgentEvent> {
    const folders = await prepareClaudeFolders({
      stateDir: this.#options.stateDir,
      sessionId: input.sessionId,
    });
    const resume = await this.#prepareResume({ input, folders });
    const gap = resume ? input.history.filter((message) => message.seq > resume.coveredSeq) : input.history;
    const prompt = withHistory({
      prompt: input.prompt,
      history: formatConversationHistory({ messages: gap }),
    });

    const stash = new ToolOutputStash();
    const subagents = new SubagentTracker();
    const subagentTools = this.#options.maxSubagents > 0 ? builtInSubagentTools : [];
    const policy: ToolPolicy = {
      allowed: new Set([...mcpToolNames(input.tools), ...subagentTools]),
      subagentTools: new Set(subagentTools),
      maxSubagents: this.#options.maxSubagents,
    };
    const { hooks, canUseTool } = createClaudeHooks({ policy, subagents, logger: input.logger });
    const abortController = new AbortController();
    const abort = () => abortController.abort();
    input.signal.addEventListener('abort', abort, { once: true });

    const options: Options = {
      cwd: input.workspaceDir,
      env: buildClaudeEnvironment({
        folders,
        baseUrl: this.#options.model.baseUrl,
        apiKey: this.#options.model.apiKey,
      }),
      settingSources: [],
      includePartialMessages: true,
      model: this.#options.model.model,
      systemPrompt: systemPrompt(),
      // Built-ins other than the sub-agent tool are not even offered; the hook denies anything else.
      tools: subagentTools.filter((name) => name === 'Agent'),
      mcpServers: { autopilot: createToolServer({ tools: input.tools, stash }) },
      hooks,
      canUseTool,
      agents: this.#options.agents,
      maxTurns: this.#options.maxTurns,
      abortController,
      ...(resume ? { resume: resume.cliSessionId } : {}),
      ...(this.#options.executablePath ? { pathToClaudeCodeExecutable: this.#options.executablePath } : {}),
    };

    const adapter = new SdkMessageAdapter({ stash });
    let cliSessionId: string | null = null;
    try {
      for await (const message of query({ prompt, options }) as AsyncIterable<SDKMessage>) {
        trackBackgroundTasks({ message, subagents });
        if (message.type !== 'result') {
          yield* adapter.convert(message);
          continue;
        }
        const result = summariseResult(message);
        cliSessionId = result.sessionId;
        const failure = resultFailure(result);
        if (failure) throw failure;
        yield* adapter.finishResult();
        // A background sub-agent's report arrives as a later result of the same query: wait for it.
        if (subagents.pendingBackground > 0) continue;
        yield { type: 'usage', usage: result.usage, model: result.model ?? this.#options.model.model };
        break;
      }
    } catch (error) {
      if (input.signal.aborted) return;
      if (error instanceof AppError) throw error;
      throw (
        resultFailure({ isError: true, subtype: 'exception', text: errorText(error), cause: error }) ?? error
      );
    } finally {
      input.signal.removeEventListener('abort', abort);
      abortController.abort();
    }

    if (cliSessionId) {
      const content = await readTranscript({
        configDir: folders.config,
        cwd: input.workspaceDir,
        cliSessionId,
      });
      if (content && isValidTranscript({ content, cliSessionId })) {
        yield { type: 'transcript', transcript: { runtime: 'claude', cliSessionId, content } };
      } else {
        input.logger.warn({ cliSessionId }, 'the CLI transcript is missing or invalid; it is not stored');
      }
    }
  }

  /** Restores a stored transcript that covers a prefix of the history; null when there is none to use. */
  async #prepareResume(options: {
    input: AgentRunInput;
    folders: ClaudeFolders;
  }): Promise<StoredTranscript | null> {
    const { input, folders } = options;
    const transcript = input.transcript;
    if (!transcript || transcript.runtime !== 'claude') return null;
    if (transcript.coveredSeq > lastSeq(input.history)) {
      input.logger.warn(
        { coveredSeq: transcript.coveredSeq },
        'the stored transcript covers messages that are gone',
      );
      return null;
    }
    if (!isValidTranscript({ content: transcript.content, cliSessionId: transcript.cliSessionId })) {
      input.logger.warn('the stored transcript is invalid; the history is replayed instead');
      return null;
    }
    await restoreTranscript({
      configDir: folders.config,
      cwd: input.workspaceDir,
      cliSessionId: transcript.cliSessionId,
      content: transcript.content,
    });
    return transcript;
  }
}

function trackBackgroundTasks(options: { message: SDKMessage; subagents: SubagentTracker }): void {
  const { message, subagents } = options;
  if (message.type !== 'system') return;
  if (message.subtype === 'task_started' && message.is_backgrounded === true)
    subagents.backgroundStarted(message.task_id);
  if (message.subtype === 'task_notification') subagents.backgroundEnded(message.task_id);
}

function lastSeq(history: StoredMessage[]): number {
  return history.at(-1)?.seq ?? 0;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
