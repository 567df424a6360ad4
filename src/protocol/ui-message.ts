import type { TurnMetadata } from './stream-chunks.ts';

/**
 * The UIMessage shape returned by `GET /api/sessions/:id`, structurally compatible with
 * the AI SDK's `UIMessage`, so a web client can hydrate from it directly.
 */
export type UIPart =
  | { type: 'step-start' }
  | { type: 'text'; text: string; state: 'done' }
  | { type: 'reasoning'; text: string; state: 'done' }
  /** A file attached to a user message; `url` downloads it (`GET /api/files/:id`). */
  | { type: 'file'; mediaType: string; url: string; filename?: string }
  | {
      type: `tool-${string}`;
      toolCallId: string;
      state: 'input-available' | 'output-available' | 'output-error';
      input: unknown;
      output?: unknown;
      errorText?: string;
    }
  | { type: `data-${string}`; id?: string; data: unknown };

export interface UIMessage {
  id: string;
  role: 'user' | 'assistant' | 'system';
  parts: UIPart[];
  /** An assistant message's turn: id, status, timing and usage. */
  metadata?: TurnMetadata;
}
