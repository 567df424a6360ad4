import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the CLI keeps a session's JSONL: `<config>/projects/<cwd with non-alphanumerics as '-'>/<id>.jsonl`. */
export async function transcriptPath(options: {
  configDir: string;
  cwd: string;
  cliSessionId: string;
}): Promise<string> {
  const encoded = (await realpath(options.cwd)).replace(/[^a-zA-Z0-9]/g, '-');
  return join(options.configDir, 'projects', encoded, `${options.cliSessionId}.jsonl`);
}

/**
 * A transcript is usable only if every line is a JSON object, it belongs to one CLI session,
 * and it holds at least one assistant entry (the user turn itself may come with the resume).
 */
export function isValidTranscript(options: { content: string; cliSessionId: string }): boolean {
  const lines = options.content.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) return false;
  let sawAssistant = false;
  for (const line of lines) {
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      return false;
    }
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return false;
    const record = entry as Record<string, unknown>;
    if (typeof record.sessionId === 'string' && record.sessionId !== options.cliSessionId) return false;
    if (record.type === 'assistant') sawAssistant = true;
  }
  return sawAssistant;
}

/** Puts a stored transcript where the CLI looks for it, so `resume` works on a fresh data dir or another worker. */
export async function restoreTranscript(options: {
  configDir: string;
  cwd: string;
  cliSessionId: string;
  content: string;
}): Promise<void> {
  const path = await transcriptPath(options);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, options.content, 'utf8');
}

export async function readTranscript(options: {
  configDir: string;
  cwd: string;
  cliSessionId: string;
}): Promise<string | null> {
  try {
    return await readFile(await transcriptPath(options), 'utf8');
  } catch {
    return null;
  }
}
