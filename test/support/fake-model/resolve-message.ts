import { estimateTokens } from './json-values.ts';
import type { FakeBlock, FakeRequest, FakeUsage } from './script.ts';
import { resolveToolName } from './tool-names.ts';

export type ResolvedBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; field?: 'reasoning' }
  | { type: 'tool_use'; id: string; name: string; input: unknown };

export type ResolvedUsage = Required<FakeUsage>;

/** A scripted message made concrete for one request: real tool names, ids and usage numbers. */
export interface ResolvedMessage {
  blocks: ResolvedBlock[];
  usage: ResolvedUsage;
  hasToolUse: boolean;
}

export function resolveMessage(options: {
  blocks: FakeBlock[];
  usage?: FakeUsage | undefined;
  request: FakeRequest;
  /** Tool ids become `<prefix>_<n>`, n counting blocks from 1. */
  toolIdPrefix: string;
}): ResolvedMessage {
  const { request, toolIdPrefix } = options;
  const blocks = options.blocks.map((block, index): ResolvedBlock => {
    if (block.type !== 'tool_use') return block;
    return {
      type: 'tool_use',
      id: block.id ?? `${toolIdPrefix}_${index + 1}`,
      name: resolveToolName({ name: block.name, offered: request.toolNames }),
      input: block.input,
    };
  });
  const outputText = blocks
    .map((block) => {
      if (block.type === 'text') return block.text;
      if (block.type === 'thinking') return block.thinking;
      return JSON.stringify(block.input);
    })
    .join('');
  return {
    blocks,
    hasToolUse: blocks.some((block) => block.type === 'tool_use'),
    usage: {
      inputTokens: options.usage?.inputTokens ?? estimateTokens(request.allText),
      outputTokens: options.usage?.outputTokens ?? estimateTokens(outputText),
      cacheReadTokens: options.usage?.cacheReadTokens ?? 0,
      cacheWriteTokens: options.usage?.cacheWriteTokens ?? 0,
    },
  };
}

/** Splits text into a few word-aligned pieces so clients see real incremental deltas. */
export function splitText(text: string, pieceLength = 24): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const word of text.split(/(?<=\s)/)) {
    if (current && current.length + word.length > pieceLength) {
      pieces.push(current);
      current = '';
    }
    current += word;
  }
  if (current || pieces.length === 0) pieces.push(current);
  return pieces;
}

/** Splits serialised tool input into two chunks, as real APIs stream partial JSON. */
export function splitInTwo(text: string): [string, string] {
  const middle = Math.ceil(text.length / 2);
  return [text.slice(0, middle), text.slice(middle)];
}
