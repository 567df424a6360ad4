import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { toPathKey } from '../../util/ids.ts';

export interface ClaudeFolders {
  root: string;
  home: string;
  config: string;
  tmp: string;
}

/** The session-private folders the CLI may write to: its HOME, config dir and temp dir. */
export async function prepareClaudeFolders(options: {
  stateDir: string;
  sessionId: string;
}): Promise<ClaudeFolders> {
  const root = join(options.stateDir, toPathKey(options.sessionId));
  const folders = { root, home: join(root, 'home'), config: join(root, 'config'), tmp: join(root, 'tmp') };
  await Promise.all(
    [folders.home, folders.config, folders.tmp].map((dir) => mkdir(dir, { recursive: true, mode: 0o700 })),
  );
  return folders;
}

/** Removes a session's private folders and everything the CLI kept in them. */
export async function removeClaudeFolders(options: { stateDir: string; sessionId: string }): Promise<void> {
  await rm(join(options.stateDir, toPathKey(options.sessionId)), { recursive: true, force: true });
}

/**
 * The CLI's whole environment. Nothing is inherited from the server's own environment, so no
 * server secret (database URL, API tokens…) reaches the child; only the model key it needs.
 */
export function buildClaudeEnvironment(options: {
  folders: ClaudeFolders;
  baseUrl: string;
  apiKey: string;
}): Record<string, string> {
  const { folders } = options;
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    HOME: folders.home,
    CLAUDE_CONFIG_DIR: folders.config,
    CLAUDE_CODE_TMPDIR: folders.tmp,
    TMPDIR: folders.tmp,
    ANTHROPIC_BASE_URL: options.baseUrl,
    ANTHROPIC_API_KEY: options.apiKey,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_BUG_COMMAND: '1',
    CLAUDE_CODE_DISABLE_CLAUDE_MDS: '1',
    CLAUDE_CODE_DISABLE_AUTO_MEMORY: '1',
    CLAUDE_AGENT_SDK_SKIP_VERSION_CHECK: '1',
    // `@path` mentions would read files past the tool policy; off wherever text reaches the CLI.
    CLAUDE_CODE_DISABLE_FILE_MENTIONS: '1',
    // The turn engine owns retries; the CLI's own would hide failures for minutes.
    CLAUDE_CODE_MAX_RETRIES: '0',
  };
}
