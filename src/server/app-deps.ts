import type { Config } from '../config/config.ts';
import type { SessionEvents } from '../coord/session-events.ts';
import type { StreamRegistry } from '../coord/stream-registry.ts';
import type { Workspaces } from '../sandbox/workspaces.ts';
import type { FileBlobs } from '../store/file-blobs.ts';
import type { FileStore } from '../store/file-store.ts';
import type { SessionStore } from '../store/session-store.ts';
import type { McpServerStatus } from '../tools/mcp/mcp-servers.ts';
import type { SessionNotifier } from '../turn/session-notifier.ts';
import type { TurnService } from '../turn/turn-service.ts';
import type { Logger } from '../util/logger.ts';
import type { Pacer } from '../util/loop-pacer.ts';
import type { Metrics } from '../util/metrics.ts';
import type { AuthVariables } from './middleware/auth.ts';

export interface AppDeps {
  config: Config;
  store: SessionStore;
  files: FileStore;
  fileBlobs: FileBlobs;
  registry: StreamRegistry;
  turns: TurnService;
  /** Subscriptions of `GET /api/events`. */
  sessionEvents: SessionEvents;
  /** Publishes what the session routes change (created, renamed, deleted). */
  notifier: SessionNotifier;
  workspaces: Workspaces;
  /** Each operator MCP server's state, for `/readyz`. */
  mcpStatuses: () => Record<string, McpServerStatus>;
  metrics: Metrics;
  logger: Logger;
  /** Tests only: what paces new messages' start-ups in place of the route's `LoopPacer`. */
  startPacer?: Pacer;
  /** The port the server listens on (known only once it listens). */
  listenPort: () => number;
}

export type AppEnv = { Variables: AuthVariables };
