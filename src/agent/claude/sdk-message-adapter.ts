import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import type { AgentEvent } from '../agent-runtime.ts';
import { subagentCallSummary } from '../subagent-progress.ts';
import type { ToolOutputStash } from './tool-output-stash.ts';

/** The MCP server name our tools live under; the CLI calls them `mcp__autopilot__<name>`. */
export const mcpServerName = 'autopilot';
const mcpPrefix = `mcp__${mcpServerName}__`;

/** Shown when the model ends a turn after tools with no words, so the UI never ends on a spinner. */
export const noFinalTextNote = '(Done: no further commentary.)';

export function toUiToolName(name: string): string {
  return name.startsWith(mcpPrefix) ? name.slice(mcpPrefix.length) : name;
}

/**
 * Converts the Claude Agent SDK's messages of the main thread into AgentEvents. Text and
 * reasoning stream from partial messages; tool calls come from complete assistant messages
 * (their input is final there); tool results from user messages, with the full output taken
 * from the stash when our own tool produced it. Of sub-agent traffic (parent_tool_use_id set) only
 * each tool call shows, as progress of the top-level sub-agent call; the sub-agent tool's result
 * carries its report.
 */
export class SdkMessageAdapter {
  readonly #stash: ToolOutputStash;
  readonly #openBlocks = new Map<number, { id: string; kind: 'text' | 'reasoning' }>();
  readonly #toolNames = new Map<string, string>();
  /** Sub-agent tool calls made inside a sub-agent → the top-level call they run under. */
  readonly #nestedAgents = new Map<string, string>();
  readonly #workspaceRoots: string[];
  #blockCounter = 0;
  #textSinceToolResult = false;
  #toolResultSeen = false;

  constructor(options: {
    stash: ToolOutputStash;
    /** The workspace folder as given and resolved: paths under it are shown relative to it. */
    workspaceRoots: string[];
  }) {
    this.#stash = options.stash;
    this.#workspaceRoots = options.workspaceRoots;
  }

  convert(message: SDKMessage): AgentEvent[] {
    switch (message.type) {
      case 'stream_event':
        return message.parent_tool_use_id ? [] : this.#streamEvent(message.event);
      case 'assistant':
        return message.parent_tool_use_id
          ? this.#subagentProgress({ parent: message.parent_tool_use_id, content: message.message.content })
          : this.#assistant(message.message.content);
      case 'user':
        return message.parent_tool_use_id ? [] : this.#user(message.message.content, message.tool_use_result);
      default:
        return [];
    }
  }

  /** Events that end a successful result: the "no final text" guard. */
  finishResult(): AgentEvent[] {
    if (!this.#toolResultSeen || this.#textSinceToolResult) return [];
    const id = `guard-${++this.#blockCounter}`;
    this.#textSinceToolResult = true;
    return [
      { type: 'step-start' },
      { type: 'text-start', id },
      { type: 'text-delta', id, delta: noFinalTextNote },
      { type: 'text-end', id },
    ];
  }

  #streamEvent(event: Extract<SDKMessage, { type: 'stream_event' }>['event']): AgentEvent[] {
    switch (event.type) {
      case 'message_start':
        this.#openBlocks.clear();
        return [{ type: 'step-start' }];
      case 'content_block_start': {
        const block = event.content_block;
        if (block.type === 'text' || block.type === 'thinking') {
          const kind = block.type === 'text' ? 'text' : 'reasoning';
          const id = `block-${++this.#blockCounter}`;
          this.#openBlocks.set(event.index, { id, kind });
          return [{ type: kind === 'text' ? 'text-start' : 'reasoning-start', id }];
        }
        if (block.type === 'tool_use') {
          this.#toolNames.set(block.id, block.name);
          return [{ type: 'tool-input-start', toolCallId: block.id, toolName: toUiToolName(block.name) }];
        }
        return [];
      }
      case 'content_block_delta': {
        const open = this.#openBlocks.get(event.index);
        if (!open) return [];
        if (event.delta.type === 'text_delta' && event.delta.text) {
          this.#textSinceToolResult = true;
          return [{ type: 'text-delta', id: open.id, delta: event.delta.text }];
        }
        if (event.delta.type === 'thinking_delta' && event.delta.thinking) {
          return [{ type: 'reasoning-delta', id: open.id, delta: event.delta.thinking }];
        }
        return [];
      }
      case 'content_block_stop': {
        const open = this.#openBlocks.get(event.index);
        if (!open) return [];
        this.#openBlocks.delete(event.index);
        return [{ type: open.kind === 'text' ? 'text-end' : 'reasoning-end', id: open.id }];
      }
      default:
        return [];
    }
  }

  #assistant(content: Extract<SDKMessage, { type: 'assistant' }>['message']['content']): AgentEvent[] {
    const events: AgentEvent[] = [];
    for (const block of content) {
      if (block.type !== 'tool_use') continue;
      this.#toolNames.set(block.id, block.name);
      events.push({
        type: 'tool-call',
        toolCallId: block.id,
        toolName: toUiToolName(block.name),
        input: block.input,
      });
    }
    return events;
  }

  /** The latest tool call in a sub-agent's message, as progress of the top-level call it runs under. */
  #subagentProgress(options: {
    parent: string;
    content: Extract<SDKMessage, { type: 'assistant' }>['message']['content'];
  }): AgentEvent[] {
    const root = this.#nestedAgents.get(options.parent) ?? options.parent;
    const calls = options.content.filter((block) => block.type === 'tool_use');
    for (const call of calls) this.#nestedAgents.set(call.id, root);
    const latest = calls.at(-1);
    if (!latest) return [];
    return [
      {
        type: 'subagent-progress',
        toolCallId: root,
        toolName: toUiToolName(latest.name),
        summary: subagentCallSummary({ input: latest.input, workspaceRoots: this.#workspaceRoots }),
      },
    ];
  }

  #user(
    content: Extract<SDKMessage, { type: 'user' }>['message']['content'],
    toolUseResult: unknown,
  ): AgentEvent[] {
    if (typeof content === 'string') return [];
    const events: AgentEvent[] = [];
    for (const block of content) {
      if (block.type !== 'tool_result' || !this.#toolNames.has(block.tool_use_id)) continue;
      const stashed = this.#stash.take(block.tool_use_id);
      const isError = stashed ? stashed.isError : block.is_error === true;
      const output = stashed
        ? stashed.output
        : builtInOutput({ content: block.content, toolUseResult, isError });
      events.push({ type: 'tool-result', toolCallId: block.tool_use_id, output, isError });
      this.#toolResultSeen = true;
      this.#textSinceToolResult = false;
    }
    return events;
  }
}

/** A built-in tool's output: its structured result when it has one, else the text the model saw. */
function builtInOutput(options: { content: unknown; toolUseResult: unknown; isError: boolean }): unknown {
  const text = contentText(options.content);
  if (options.isError) return text.replace(/^<tool_use_error>|<\/tool_use_error>$/g, '');
  if (options.toolUseResult && typeof options.toolUseResult === 'object') return options.toolUseResult;
  return text;
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((item: unknown) =>
      item && typeof item === 'object' && 'text' in item && typeof item.text === 'string' ? item.text : '',
    )
    .join('');
}
