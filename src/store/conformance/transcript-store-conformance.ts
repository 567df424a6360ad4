import { describe, expect, test } from 'vitest';
import type { Scope, SessionStore } from '../session-store.ts';
import type { StoredTranscript, TranscriptStore } from '../transcript-store.ts';
import { alice, bob, freshStorePerTest, waitForNextMillisecond } from './conformance-support.ts';

/**
 * `sessions` must share the transcripts' database: transcripts belong to its sessions and go
 * when a session is deleted.
 */
export type TranscriptStoreFactory = () => Promise<{
  transcripts: TranscriptStore;
  sessions: SessionStore;
  cleanup: () => Promise<void>;
}>;

type NewTranscript = Omit<StoredTranscript, 'updatedAt'>;

function buildTranscript(overrides: Partial<NewTranscript> = {}): NewTranscript {
  return {
    runtime: 'claude',
    cliSessionId: 'cli-session-1',
    content: '{"type":"user","message":"hello"}\n{"type":"assistant","message":"hi"}\n',
    coveredSeq: 2,
    metadata: { cumulativeUsage: { inputTokens: 120, outputTokens: 30 }, resumable: true },
    ...overrides,
  };
}

/** The behaviour every TranscriptStore must have. Each test gets a fresh, empty store. */
export function describeTranscriptStoreConformance(name: string, makeStore: TranscriptStoreFactory): void {
  describe(`TranscriptStore conformance: ${name}`, () => {
    const getCurrent = freshStorePerTest(makeStore);
    const createSession = async (ownerId: string): Promise<Scope> => {
      const session = await getCurrent().sessions.createSession({ ownerId });
      return { ownerId, sessionId: session.id };
    };

    test('a session without a saved transcript loads null', async () => {
      const scope = await createSession(alice);

      expect(await getCurrent().transcripts.loadTranscript(scope)).toBeNull();
    });

    test('save then load returns every field, metadata included, with an updatedAt', async () => {
      const { transcripts } = getCurrent();
      const scope = await createSession(alice);
      const transcript = buildTranscript({
        metadata: { cumulativeUsage: { inputTokens: 120, outputTokens: 30 }, tags: ['a', 'b'], note: null },
      });
      const before = Date.now();

      await transcripts.saveTranscript({ ...scope, transcript });

      const loaded = await transcripts.loadTranscript(scope);
      expect(loaded).toEqual({ ...transcript, updatedAt: expect.any(String) });
      const updatedAt = Date.parse(loaded!.updatedAt);
      expect(updatedAt).toBeGreaterThanOrEqual(before - 1_000);
      expect(updatedAt).toBeLessThanOrEqual(Date.now() + 1_000);
    });

    test('save replaces the whole transcript, metadata included', async () => {
      const { transcripts } = getCurrent();
      const scope = await createSession(alice);
      await transcripts.saveTranscript({ ...scope, transcript: buildTranscript() });
      const first = await transcripts.loadTranscript(scope);
      await waitForNextMillisecond();

      const replacement = buildTranscript({
        cliSessionId: 'cli-session-2',
        content: '{"type":"user","message":"again"}\n',
        coveredSeq: 7,
        metadata: { other: 1 },
      });
      await transcripts.saveTranscript({ ...scope, transcript: replacement });

      const loaded = await transcripts.loadTranscript(scope);
      expect(loaded).toEqual({ ...replacement, updatedAt: expect.any(String) });
      expect(Date.parse(loaded!.updatedAt)).toBeGreaterThan(Date.parse(first!.updatedAt));
    });

    test("another owner can neither load nor overwrite a session's transcript", async () => {
      const { transcripts } = getCurrent();
      const scope = await createSession(alice);
      const original = buildTranscript();
      await transcripts.saveTranscript({ ...scope, transcript: original });

      expect(await transcripts.loadTranscript({ ownerId: bob, sessionId: scope.sessionId })).toBeNull();
      await transcripts.saveTranscript({
        ownerId: bob,
        sessionId: scope.sessionId,
        transcript: buildTranscript({ content: 'forged', cliSessionId: 'forged', metadata: {} }),
      });

      expect(await transcripts.loadTranscript(scope)).toEqual({ ...original, updatedAt: expect.any(String) });
    });

    test('saving for a foreign or missing session stores nothing', async () => {
      const { transcripts } = getCurrent();
      const scope = await createSession(alice);

      await transcripts.saveTranscript({
        ownerId: bob,
        sessionId: scope.sessionId,
        transcript: buildTranscript(),
      });
      await transcripts.saveTranscript({
        ownerId: alice,
        sessionId: 'no-such-session',
        transcript: buildTranscript(),
      });

      expect(await transcripts.loadTranscript(scope)).toBeNull();
      expect(await transcripts.loadTranscript({ ownerId: alice, sessionId: 'no-such-session' })).toBeNull();
    });

    test('sessions keep their own transcripts', async () => {
      const { transcripts } = getCurrent();
      const first = await createSession(alice);
      const second = await createSession(alice);
      await transcripts.saveTranscript({ ...first, transcript: buildTranscript({ cliSessionId: 'first' }) });
      await transcripts.saveTranscript({
        ...second,
        transcript: buildTranscript({ cliSessionId: 'second' }),
      });

      expect((await transcripts.loadTranscript(first))?.cliSessionId).toBe('first');
      expect((await transcripts.loadTranscript(second))?.cliSessionId).toBe('second');
    });

    test('deleting the session deletes its transcript', async () => {
      const { transcripts, sessions } = getCurrent();
      const scope = await createSession(alice);
      const kept = await createSession(alice);
      await transcripts.saveTranscript({ ...scope, transcript: buildTranscript() });
      await transcripts.saveTranscript({ ...kept, transcript: buildTranscript({ cliSessionId: 'kept' }) });

      expect(await sessions.deleteSession(scope)).toBe(true);

      expect(await transcripts.loadTranscript(scope)).toBeNull();
      expect((await transcripts.loadTranscript(kept))?.cliSessionId).toBe('kept');
      // Saving for the deleted session does not bring the transcript back.
      await transcripts.saveTranscript({ ...scope, transcript: buildTranscript() });
      expect(await transcripts.loadTranscript(scope)).toBeNull();
    });

    test('a 5 MB transcript round-trips unchanged', async () => {
      const { transcripts } = getCurrent();
      const scope = await createSession(alice);
      const line = `${JSON.stringify({ type: 'assistant', text: 'Grüße, 世界 🚀 "quoted" \\ back' })}\n`;
      const content = line.repeat(Math.ceil((5 * 1024 * 1024) / line.length));
      expect(content.length).toBeGreaterThanOrEqual(5 * 1024 * 1024);

      await transcripts.saveTranscript({ ...scope, transcript: buildTranscript({ content }) });

      const loaded = await transcripts.loadTranscript(scope);
      expect(loaded?.content.length).toBe(content.length);
      expect(loaded?.content === content).toBe(true);
    });
  });
}
