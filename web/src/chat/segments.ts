import { type AgentProgressData, type ErrorData, stoppedToolOutput } from '../../../src/protocol/index.ts';
import type { ChatPart } from './chat-types.ts';
import { type ToolCall, type ToolState, toolCategory } from './tool-describe.ts';

export type ToolPartView = ToolCall & {
  toolCallId: string;
  /** A running sub-agent's latest tool call (`data-agent-progress` keyed by this call). */
  progress?: AgentProgressData;
};

export type Segment =
  | { kind: 'text'; key: string; text: string; streaming: boolean }
  | { kind: 'reasoning'; key: string; text: string; streaming: boolean }
  | { kind: 'tool'; key: string; tool: ToolPartView }
  | { kind: 'tool-group'; key: string; tools: ToolPartView[] }
  | { kind: 'error'; key: string; error: ErrorData }
  | { kind: 'system'; key: string; message: string }
  | { kind: 'follow-up'; key: string; text: string }
  | { kind: 'file'; key: string; url: string; mediaType: string; filename?: string };

/** The stored marker text of a stop; shown as a quiet "Stopped". */
export const stoppedMarkerText = 'Execution stopped by user';

/**
 * A message's parts as the conversation shows them. Two or more consecutive finished generic tool
 * rows fold into one group; step boundaries and transient parts show nothing.
 */
export function toSegments(parts: readonly ChatPart[]): Segment[] {
  const segments: Segment[] = [];
  const progress = new Map<string, AgentProgressData>();
  for (const part of parts)
    if (part.type === 'data-agent-progress' && part.id) progress.set(part.id, part.data);
  parts.forEach((part, index) => {
    const key = `${index}`;
    const view = toToolView(part);
    const latest = view?.state === 'running' ? progress.get(view.toolCallId) : undefined;
    const tool = view && latest ? { ...view, progress: latest } : view;
    if (tool) {
      const previous = segments.at(-1);
      if (isFoldable(tool) && previous?.kind === 'tool' && isFoldable(previous.tool)) {
        segments[segments.length - 1] = {
          kind: 'tool-group',
          key: previous.key,
          tools: [previous.tool, tool],
        };
      } else if (isFoldable(tool) && previous?.kind === 'tool-group') {
        previous.tools.push(tool);
      } else {
        segments.push({ kind: 'tool', key, tool });
      }
      return;
    }
    switch (part.type) {
      case 'text':
        if (part.text.trim() !== '')
          segments.push({ kind: 'text', key, text: part.text, streaming: part.state === 'streaming' });
        return;
      case 'reasoning':
        if (part.text.trim() !== '')
          segments.push({ kind: 'reasoning', key, text: part.text, streaming: part.state === 'streaming' });
        return;
      case 'file':
        segments.push({
          kind: 'file',
          key,
          url: part.url,
          mediaType: part.mediaType,
          ...(part.filename ? { filename: part.filename } : {}),
        });
        return;
      case 'data-error':
        segments.push({ kind: 'error', key, error: part.data });
        return;
      case 'data-system':
        segments.push({ kind: 'system', key, message: part.data.message });
        return;
      case 'data-follow-up':
      case 'data-followup':
        segments.push({ kind: 'follow-up', key, text: part.data.text });
        return;
      default:
        return;
    }
  });
  return segments;
}

function isFoldable(tool: ToolPartView): boolean {
  return tool.state !== 'running' && toolCategory(tool.toolName) === 'generic';
}

export function toToolView(part: ChatPart): ToolPartView | null {
  if (part.type === 'dynamic-tool') {
    return { toolCallId: part.toolCallId, toolName: part.toolName, ...stateOf(part) };
  }
  if (part.type.startsWith('tool-') && 'toolCallId' in part) {
    return { toolCallId: part.toolCallId, toolName: part.type.slice('tool-'.length), ...stateOf(part) };
  }
  return null;
}

function stateOf(part: { state: string; input?: unknown; output?: unknown; errorText?: string }): {
  state: ToolState;
  input: unknown;
  output: unknown;
  errorText?: string;
} {
  const state: ToolState =
    part.state === 'output-available'
      ? 'done'
      : part.state === 'output-error' && part.errorText === stoppedToolOutput
        ? 'stopped'
        : part.state === 'output-error' || part.state === 'output-denied'
          ? 'error'
          : 'running';
  return {
    state,
    input: part.input,
    output: part.output,
    ...(part.errorText ? { errorText: part.errorText } : {}),
  };
}
