import { realpath } from 'node:fs/promises';
import type { AgentDefinition, Options } from '@anthropic-ai/claude-agent-sdk';
import type { ModelConfig } from '../../config/config.ts';
import { emptyUsage, type Usage } from '../../protocol/index.ts';
import { confineProcess, type ProcessSpec } from '../../sandbox/agent-confinement.ts';
import { handOver, runsAsRoot, sandboxUidOf } from '../../sandbox/sandbox-user.ts';
import type { AnyToolDefinition } from '../../tools/tool.ts';
import type {
  AgentEvent,
  AgentRunInput,
  AgentRuntime,
  HistoryMessage,
  ResumeTranscript,
} from '../agent-runtime.ts';
import { hostOf } from '../classify-model-error.ts';
import { formatConversationHistory, withHistory } from '../conversation-history.ts';
import { systemPrompt } from '../system-prompt.ts';
import {
  buildClaudeEnvironment,
  type ClaudeFolders,
  prepareClaudeFolders,
  removeClaudeFolders,
} from './claude-environment.ts';
import { createClaudeHooks } from './claude-hooks.ts';
import { ClaudeSession } from './claude-session.ts';
import { ClaudeSessionPool } from './claude-session-pool.ts';
import type { ClaudeTestOptions } from './claude-test-options.ts';
import { createToolServer, mcpToolNames } from './claude-tools.ts';
import { isValidTranscript, restoreTranscript } from './cli-transcript.ts';
import { runClaudeTurn } from './run-claude-turn.ts';

export interface ClaudeRuntimeOptions {
  model: Extract<ModelConfig, { provider: 'anthropic' }>;
  /** Where the session-private HOME, config and temp folders of the CLI live. */
  stateDir: string;
  maxSubagents: number;
  maxTurns: number;
  /** Sub-agents the main agent may delegate to, by name. */
  agents?: Record<string, AgentDefinition>;
  /** Live CLI processes kept between turns (0: a fresh process every turn). */
  maxLiveProcesses: number;
  /** A kept process is closed after this long without a turn. */
  processIdleMs: number;
  /** When set, the CLI itself runs under bubblewrap (SPEC §6, "The agent process is confined too"). */
  confinement?: { bwrapPath: string } | null;
  /** Tests only: protections taken away so that a test proves the others hold. */
  testOptions?: ClaudeTestOptions;
}

/**
 * The real Claude Agent SDK, driving the Claude Code CLI, with our tools in an in-process MCP
 * server, a fail-closed tool policy, resume from a stored transcript, and one warm CLI process
 * per active conversation.
 */
export class ClaudeAgentRuntime implements AgentRuntime {
  readonly usesTranscript = true;
  readonly kind = 'claude' as const;
  readonly #options: ClaudeRuntimeOptions;
  readonly #pool: ClaudeSessionPool;

  constructor(options: ClaudeRuntimeOptions) {
    this.#options = options;
    this.#pool = new ClaudeSessionPool({ maxLive: options.maxLiveProcesses, idleMs: options.processIdleMs });
  }

  async *run(input: AgentRunInput): AsyncIterable<AgentEvent> {
    const { session, prompt } = await this.#acquire(input);
    let succeeded = false;
    try {
      yield* runClaudeTurn({
        session,
        prompt,
        input,
        maxSubagents: this.#maxSubagents(input),
        providerHost: hostOf(this.#options.model.baseUrl),
        modelName: this.#options.model.model,
      });
      succeeded = !input.signal.aborted;
    } finally {
      session.finishTurn(input.turnId);
      // A stopped or failed turn leaves the process in an unknown state: end it; resume restores the rest.
      if (succeeded) await this.#pool.give(input.sessionId, session);
      else await session.close();
    }
  }

  async close(): Promise<void> {
    await this.#pool.closeAll();
  }

  /** 0 when the session's permissions take the sub-agent tool away. */
  #maxSubagents(input: AgentRunInput): number {
    return input.allowSubagents === false ? 0 : this.#options.maxSubagents;
  }

  /** Ends the conversation's live process and removes its private folder (its copy of the transcript). */
  async forget(sessionId: string): Promise<void> {
    await this.#pool.discard(sessionId);
    await removeClaudeFolders({ stateDir: this.#options.stateDir, sessionId });
  }

  /** The warm process if it saw exactly the stored conversation; otherwise a fresh one. */
  async #acquire(input: AgentRunInput): Promise<{ session: ClaudeSession; prompt: string }> {
    const tools = input.tools.tools;
    // The process was started with a tool set; one with another set (permissions changed) is not reused.
    const toolNames = [
      ...tools.map((tool) => tool.name),
      ...(this.#maxSubagents(input) > 0 ? ['Agent'] : []),
    ];
    const warm = this.#pool.take(input.sessionId);
    if (warm && warm.lastTurnId === lastTurnIdOf(input.history) && warm.toolNames === toolNames.join(',')) {
      input.logger.debug('reusing the warm CLI process');
      return { session: warm, prompt: input.prompt };
    }
    await warm?.close();

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
    const session = new ClaudeSession({
      toolNames,
      configDir: folders.config,
      usageBaseline: resume ? usageBaselineOf(resume) : emptyUsage,
      wrapSpawn: await this.#confinement({ input, folders }),
      composedInput: this.#options.testOptions?.interpretsUserText !== true,
      options: (binding) => this.#queryOptions({ input, folders, tools, binding, resume }),
    });
    return { session, prompt };
  }

  /** How to confine this session's CLI, after giving its folders to the session's uid (as root). */
  async #confinement(options: {
    input: AgentRunInput;
    folders: ClaudeFolders;
  }): Promise<((spec: ProcessSpec) => ProcessSpec) | undefined> {
    const confinement = this.#options.confinement;
    if (!confinement) return undefined;
    const cwd = await realpath(options.input.workspaceDir);
    const writable = [await realpath(options.folders.root), cwd];
    const uid = runsAsRoot() ? sandboxUidOf(options.input.sessionId) : null;
    if (uid !== null) await handOver({ folders: writable, uid });
    return (spec) => confineProcess({ spec, writable, cwd, uid, bwrapPath: confinement.bwrapPath });
  }

  #queryOptions(options: {
    input: AgentRunInput;
    folders: ClaudeFolders;
    tools: AnyToolDefinition[];
    binding: ClaudeSession['binding'];
    resume: ResumeTranscript | null;
  }): Options {
    const { input, folders, binding, resume } = options;
    const { hooks, canUseTool } = createClaudeHooks(binding);
    return {
      cwd: input.workspaceDir,
      env: withOverrides({
        env: buildClaudeEnvironment({
          folders,
          baseUrl: this.#options.model.baseUrl,
          apiKey: this.#options.model.apiKey,
        }),
        overrides: this.#options.testOptions?.environmentOverrides,
      }),
      settingSources: [],
      // User text is data (SPEC §4.0): every message goes as written, never as a command or a file read.
      verbatimPrompts: this.#options.testOptions?.interpretsUserText !== true,
      includePartialMessages: true,
      model: this.#options.model.model,
      systemPrompt: systemPrompt(),
      // Built-ins other than the sub-agent tool are not even offered; the hook denies anything else.
      tools: [
        ...(this.#maxSubagents(input) > 0 ? ['Agent'] : []),
        ...(this.#options.testOptions?.unguardedCliTools ?? []),
      ],
      mcpServers: { autopilot: createToolServer({ tools: options.tools, binding }) },
      hooks,
      canUseTool,
      agents:
        this.#maxSubagents(input) > 0
          ? narrowAgents({
              agents: this.#options.agents,
              tools: options.tools,
              unguardedCliTools: this.#options.testOptions?.unguardedCliTools ?? [],
            })
          : {},
      maxTurns: this.#options.maxTurns,
      abortController: new AbortController(),
      ...(resume ? { resume: resume.cliSessionId } : {}),
    };
  }

  /** Restores a stored transcript that covers a prefix of the history; null when there is none to use. */
  async #prepareResume(options: {
    input: AgentRunInput;
    folders: ClaudeFolders;
  }): Promise<ResumeTranscript | null> {
    const { input, folders } = options;
    const transcript = input.transcript;
    if (transcript?.runtime !== 'claude') return null;
    if (transcript.coveredSeq > (input.history.at(-1)?.seq ?? 0)) {
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

function withOverrides(options: {
  env: Record<string, string>;
  overrides: Record<string, string | null> | undefined;
}): Record<string, string> {
  const env = { ...options.env };
  for (const [name, value] of Object.entries(options.overrides ?? {})) {
    if (value === null) delete env[name];
    else env[name] = value;
  }
  return env;
}

function lastTurnIdOf(history: HistoryMessage[]): string | null {
  for (let index = history.length - 1; index >= 0; index--) {
    const message = history[index]!;
    if (message.role !== 'marker') return message.turnId;
  }
  return null;
}

/** Sub-agents only ever get tools their parent has in this turn: narrower, never wider. */
function narrowAgents(options: {
  agents: Record<string, AgentDefinition> | undefined;
  tools: AnyToolDefinition[];
  unguardedCliTools: string[];
}): Record<string, AgentDefinition> {
  const parentTools = new Set([...mcpToolNames(options.tools), ...options.unguardedCliTools]);
  return Object.fromEntries(
    Object.entries(options.agents ?? {}).map(([name, agent]) => [
      name,
      { ...agent, tools: (agent.tools ?? [...parentTools]).filter((tool) => parentTools.has(tool)) },
    ]),
  );
}

function usageBaselineOf(transcript: ResumeTranscript): Usage {
  const value = transcript.metadata.cumulativeUsage as Partial<Usage> | undefined;
  return { ...emptyUsage, ...(value && typeof value === 'object' ? value : {}) };
}
