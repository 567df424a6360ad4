import { type FakeBrain, type FakeReply, type FakeRequest, textReply, toolReply } from './script.ts';

export interface FakeRule {
  when: (request: FakeRequest) => boolean;
  reply: FakeReply | ((request: FakeRequest) => FakeReply);
}

/**
 * Picks the first rule whose `when` matches the request content. Never keyed on
 * call order: Claude Code interleaves sub-agent and retry calls unpredictably.
 */
export function scriptedBrain(rules: FakeRule[], fallback: FakeBrain = echoBrain): FakeBrain {
  return (request) => {
    const rule = rules.find((candidate) => candidate.when(request));
    if (!rule) return fallback(request);
    return typeof rule.reply === 'function' ? rule.reply(request) : rule.reply;
  };
}

const writePattern = /^write (\S+) (.+)$/s;

/** A predictable brain for manual runs: `write <path> <content>`, `list…`, otherwise an echo. */
export const echoBrain: FakeBrain = (request) => {
  if (request.toolResults.length > 0) {
    const summary = request.toolResults.map((result) => result.content).join(' ');
    return textReply(summary ? `Done. ${summary}` : 'Done.');
  }
  const text = request.lastUserText.trim();
  const write = writePattern.exec(text);
  if (write) return toolReply({ name: 'write_file', input: { path: write[1], content: write[2] } });
  if (/^list/.test(text)) return toolReply({ name: 'list_files', input: {} });
  return textReply(`You said: ${text}`);
};
