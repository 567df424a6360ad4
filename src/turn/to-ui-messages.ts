import type { CompactionData, TurnMetadata, UIMessage, UIPart } from '../protocol/index.ts';
import { attachmentsOf } from '../store/message-attachments.ts';
import type { StoredMessage } from '../store/session-store.ts';
import { compactionToolName } from './compact-history.ts';

type ToolPart = Extract<UIPart, { toolCallId: string }>;
type CompactionPart = { type: 'data-compaction'; id: string; data: CompactionData };

/**
 * Stored rows → AI SDK UIMessages, shaped like what the turn's stream produced: one user message
 * per user row (id = the client's messageId), and one assistant message per turn (id = the turn's
 * message id, metadata = the turn's `TurnMetadata` when `turns` has it), with a `step-start` part
 * before each model call's parts. A user row stored inside its turn's answer (a steered message)
 * is a `data-follow-up` part there, as the stream showed it.
 */
export function toUIMessages(
  rows: StoredMessage[],
  options: { turns?: Map<string, TurnMetadata> } = {},
): UIMessage[] {
  const messages: UIMessage[] = [];
  let assistant: { turnId: string | null; message: UIMessage; step: number | null } | null = null;
  const toolParts = new Map<string, ToolPart>();
  const compactionParts = new Map<string, CompactionPart>();

  for (const row of rows) {
    if (row.role === 'user' && assistant && assistant.turnId !== null && assistant.turnId === row.turnId) {
      const messageId = row.clientMessageId ?? row.id;
      assistant.message.parts.push({ type: 'data-follow-up', data: { messageId, text: row.content } });
      continue;
    }
    if (row.role === 'user') {
      assistant = null;
      messages.push({
        id: row.clientMessageId ?? row.id,
        role: 'user',
        parts: [
          { type: 'text', text: row.content, state: 'done' },
          ...attachmentsOf(row).map(
            (file): UIPart => ({
              type: 'file',
              mediaType: file.mediaType,
              url: `/api/files/${encodeURIComponent(file.fileId)}`,
              filename: file.name,
            }),
          ),
        ],
      });
      continue;
    }
    if (!assistant || assistant.turnId !== row.turnId) {
      const metadata = row.turnId ? options.turns?.get(row.turnId) : undefined;
      assistant = {
        turnId: row.turnId,
        message: {
          id: row.turnId ?? row.id,
          role: 'assistant',
          parts: [],
          ...(metadata ? { metadata } : {}),
        },
        step: null,
      };
      messages.push(assistant.message);
    }
    const parts = assistant.message.parts;
    if (row.role !== 'marker' && row.role !== 'tool' && assistant.step !== row.step) {
      assistant.step = row.step;
      parts.push({ type: 'step-start' });
    }
    switch (row.role) {
      case 'assistant':
        if (row.toolCall) {
          const part: ToolPart = {
            type: `tool-${row.toolCall.name}`,
            toolCallId: row.toolCall.id,
            state: 'input-available',
            input: row.toolCall.input,
          };
          toolParts.set(row.toolCall.id, part);
          parts.push(part);
          if (row.toolCall.name === compactionToolName) {
            // The stream's progress part, which the client keeps after the row: its last phase.
            const progress: CompactionPart = {
              type: 'data-compaction',
              id: row.toolCall.id,
              data: { phase: 'summarizing' },
            };
            compactionParts.set(row.toolCall.id, progress);
            parts.push(progress);
          }
        } else {
          parts.push({ type: 'text', text: row.content, state: 'done' });
        }
        break;
      case 'reasoning':
        parts.push({ type: 'reasoning', text: row.content, state: 'done' });
        break;
      case 'tool': {
        const part = toolParts.get(row.toolCallId ?? '');
        resolveToolPart(part, row);
        const progress = compactionParts.get(row.toolCallId ?? '');
        if (progress && part?.state === 'output-available') progress.data = rebuilt(part.output);
        break;
      }
      case 'marker':
        parts.push(markerPart(row));
        break;
    }
  }
  return messages;
}

function resolveToolPart(part: ToolPart | undefined, row: StoredMessage): void {
  if (!part) return;
  const output = parseJson(row.content);
  if (row.metadata.isError === true) {
    part.state = 'output-error';
    part.errorText = typeof output === 'string' ? output : row.content;
  } else {
    part.state = 'output-available';
    part.output = output;
  }
}

/** The compaction's last progress, from the counts its row's output keeps. */
function rebuilt(output: unknown): CompactionData {
  const data: CompactionData = { phase: 'rebuilding' };
  const counts = (output ?? {}) as Record<string, unknown>;
  for (const key of ['tokensBefore', 'tokensAfter', 'messagesBefore', 'messagesAfter'] as const) {
    if (typeof counts[key] === 'number') data[key] = counts[key];
  }
  return data;
}

function markerPart(row: StoredMessage): UIPart {
  const marker = row.metadata.marker as { kind?: string; error?: unknown } | undefined;
  if (marker?.kind === 'error') return { type: 'data-error', data: marker.error };
  return { type: 'data-system', data: { message: row.content } };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
