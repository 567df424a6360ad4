export { echoBrain, type FakeRule, scriptedBrain } from './brains.ts';
export { startFakeAnthropicServer } from './fake-anthropic-server.ts';
export { startFakeOpenAIServer } from './fake-openai-server.ts';
export type { FakeModelServer, FakeServerOptions } from './model-server.ts';
export {
  connectionReset,
  errorReply,
  type FakeBlock,
  type FakeBrain,
  type FakeMessage,
  type FakeReply,
  type FakeRequest,
  type FakeToolResult,
  type FakeToolUse,
  type FakeUsage,
  overloaded,
  promptTooLong,
  rateLimited,
  serverError,
  textReply,
  toolReply,
} from './script.ts';
export { resolveToolName } from './tool-names.ts';
