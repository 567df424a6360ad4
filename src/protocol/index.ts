export * from './api.ts';
export * from './errors.ts';
export * from './session-events.ts';
export * from './stream-chunks.ts';
export * from './ui-message.ts';
export * from './usage.ts';
