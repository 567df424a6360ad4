import type { UIMessage } from 'ai';
import type {
  AgentProgressData,
  CompactionData,
  ErrorData,
  StatusData,
  SystemData,
  Usage,
} from '../../../src/protocol/index.ts';

/** Assistant metadata: live from `message-metadata` (usage), after a reload the whole record. */
export interface MessageMetadata {
  turnId?: string;
  status?: string;
  startedAt?: string;
  durationMs?: number;
  usage?: Usage;
}

export interface FollowUpData {
  messageId?: string;
  text: string;
}

export type ChatDataParts = {
  status: StatusData;
  error: ErrorData;
  system: SystemData;
  compaction: CompactionData;
  'follow-up': FollowUpData;
  followup: FollowUpData;
  'agent-progress': AgentProgressData;
};

export type ChatMessage = UIMessage<MessageMetadata, ChatDataParts>;
export type ChatPart = ChatMessage['parts'][number];

/** A message waiting for the running turn: shown as a chip until it is delivered. */
export interface WaitingMessage {
  messageId: string;
  text: string;
  delivery?: 'next-turn' | 'steer';
}
