import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { createLogger } from '../util/logger.ts';
import { createDefaultTools } from './default-tools.ts';
import type { AnyToolDefinition, ToolContext, ToolOutcome } from './tool.ts';
import { ToolExecutor } from './tool-executor.ts';

export interface ToolTestWorkspace {
  /** The session workspace: an empty folder for each test. */
  readonly workspaceDir: string;
  /** A folder beside the workspace, for escape attempts to aim at. */
  readonly outside: string;
  /** Runs one call through this test's `ToolExecutor` (policy, validation, output caps). */
  run(toolName: string, input: unknown): Promise<ToolOutcome>;
}

/** Test support: a real temp-dir workspace per test, with the default tools (or `tools`). */
export function useToolWorkspace(options: { tools?: () => AnyToolDefinition[] } = {}): ToolTestWorkspace {
  let base = '';
  let executor: ToolExecutor | null = null;
  let calls = 0;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'autopilot-tools-'));
    await mkdir(join(base, 'workspace'));
    await mkdir(join(base, 'outside'));
    executor = new ToolExecutor({
      tools: options.tools?.() ?? createDefaultTools(),
      context: {
        sessionId: 'session-1',
        turnId: 'turn-1',
        workspaceDir: join(base, 'workspace'),
        signal: new AbortController().signal,
        logger: createLogger({ level: 'silent' }),
      },
    });
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });
  return {
    get workspaceDir() {
      return join(base, 'workspace');
    },
    get outside() {
      return join(base, 'outside');
    },
    run(toolName, input) {
      if (!executor) throw new Error('useToolWorkspace: run() is only available inside a test');
      return executor.execute({ toolCallId: `call-${++calls}`, toolName, input });
    },
  };
}

/** Test support: the context of a call to a tool that never touches the workspace (an MCP tool). */
export function contextWithoutWorkspace(): ToolContext {
  return {
    sessionId: 's1',
    turnId: 't1',
    workspaceDir: '/nonexistent',
    signal: new AbortController().signal,
    logger: createLogger({ level: 'silent' }),
  };
}
