import { describe, expect, test } from 'vitest';
import { emptyUsage } from '../../../src/protocol/index.ts';
import type { WaitingMessage } from './chat-types.ts';
import { chipsAfterRead, type SessionView } from './session-sync.ts';

function chip(messageId: string, text = messageId): WaitingMessage {
  return { messageId, text, delivery: 'next-turn' };
}

function view(options: { waiting?: WaitingMessage[]; active?: boolean }): SessionView {
  const detail = {
    id: 's',
    title: null,
    status: options.active ? 'running' : 'idle',
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
    permissions: { allow: null, deny: [] },
    messages: [],
    hasMore: false,
    nextBefore: null,
    activeTurn: options.active ? { id: 't', startedAt: '2026-12-01T00:00:00.000Z' } : null,
    usage: emptyUsage,
    ...(options.waiting ? { waiting: options.waiting } : {}),
  };
  // Older servers leave `waiting` out, which the current type does not allow.
  return detail as unknown as SessionView;
}

describe('chipsAfterRead', () => {
  test('a read that does not list a message still being sent keeps its chip', () => {
    const local = [chip('old'), chip('sending')];
    const detail = view({ waiting: [chip('old')], active: true });
    expect(chipsAfterRead({ local, detail, sending: new Set(['sending']) })).toEqual(local);
  });

  test('once its send is answered, the read decides: a message no longer waiting loses its chip', () => {
    const local = [chip('old'), chip('sent')];
    const detail = view({ waiting: [chip('old')], active: true });
    expect(chipsAfterRead({ local, detail, sending: new Set() })).toEqual([chip('old')]);
  });

  test('a chip being sent that the read lists already appears once', () => {
    const local = [chip('sending')];
    const detail = view({ waiting: [chip('sending')], active: true });
    expect(chipsAfterRead({ local, detail, sending: new Set(['sending']) })).toEqual([chip('sending')]);
  });

  test('from a server that does not list waiting messages, chips go once no turn is active, unless being sent', () => {
    const local = [chip('a'), chip('b')];
    expect(chipsAfterRead({ local, detail: view({}), sending: new Set(['b']) })).toEqual([chip('b')]);
  });
});
