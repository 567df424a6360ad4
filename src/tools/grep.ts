import { constants, open, realpath, stat } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { z } from 'zod';
import { readAtMost } from '../sandbox/open-workspace-file.ts';
import { isInside, resolveWorkspacePath } from '../sandbox/workspace-path.ts';
import { compileGlob } from './glob-pattern.ts';
import { type LineMatch, LineMatcher } from './line-matcher.ts';
import { defineTool, type ToolDefinition, ToolError } from './tool.ts';
import { walkWorkspaceFiles } from './walk-workspace-files.ts';

const maxPatternChars = 1000;
const maxMatches = 200;
const defaultMatches = 100;
const maxLineChars = 500;
const maxFileBytes = 2 * 1024 * 1024;
/** Counted in characters of decoded text: close enough to bytes for a guard. */
const maxScannedChars = 50 * 1024 * 1024;

const grepInputSchema = z.object({
  pattern: z
    .string()
    .min(1)
    .max(
      maxPatternChars,
      `Patterns longer than ${maxPatternChars} characters are refused; use a shorter one.`,
    )
    .describe('JavaScript regular expression, e.g. "function\\s+load" or "TODO|FIXME"'),
  path: z
    .string()
    .optional()
    .describe('File or folder to search, relative to the workspace root (default: the root)'),
  glob: z.string().optional().describe('Only search files matching this glob, e.g. "*.ts" or "src/**/*.md"'),
  ignore_case: z.boolean().optional(),
  max_results: z.number().int().min(1).max(maxMatches).optional().describe(`Default ${defaultMatches}`),
});
type GrepInput = z.infer<typeof grepInputSchema>;
interface GrepMatch extends LineMatch {
  path: string;
}

/** `matchTimeoutMs` bounds the regular expression's total running time per call. */
export function createGrepTool(options: { matchTimeoutMs: number }): ToolDefinition<GrepInput> {
  return defineTool({
    name: 'grep',
    description:
      'Search the contents of text files in the session workspace with a JavaScript regular expression, ' +
      'line by line. Returns matching lines as {path, line, text}, with line numbers from 1 (use read_file ' +
      'with offset to see the surroundings). Escape regex characters to match them literally, e.g. "foo\\(". ' +
      '`glob` filters files: without a "/" it matches file names at any depth ("*.ts"), with one it matches ' +
      'paths under `path` ("src/**/*.ts"). Binary files and files over 2 MB are skipped; long lines are ' +
      `clipped to ${maxLineChars} characters; at most ${maxMatches} matches. Use glob to find files by name.`,
    inputSchema: grepInputSchema,
    async execute(input, context) {
      const flags = input.ignore_case ? 'i' : '';
      try {
        new RegExp(input.pattern, flags);
      } catch (error) {
        throw new ToolError(
          `Invalid regular expression: ${error instanceof Error ? error.message : String(error)}. Escape characters such as ( ) [ ] { } . * + ? ` +
            'with a backslash to match them literally.',
        );
      }
      const wanted = input.glob === undefined ? null : compileGlob(input.glob);
      const filter = (path: string) =>
        wanted === null || wanted(input.glob?.includes('/') ? path : (path.split('/').at(-1) ?? path));
      const resolved = await resolveWorkspacePath({
        workspaceDir: context.workspaceDir,
        path: input.path ?? '.',
      });
      const info = await stat(resolved).catch(() => null);
      if (!info) throw new ToolError(`"${input.path}" does not exist in the workspace.`);

      const root = await realpath(context.workspaceDir);
      const limit = input.max_results ?? defaultMatches;
      const matcher = new LineMatcher({
        source: input.pattern,
        flags,
        maxLineChars,
        timeoutMs: options.matchTimeoutMs,
        signal: context.signal,
      });
      const matches: GrepMatch[] = [];
      let scannedChars = 0;
      let scanCapReached = false;
      // Collects one match past the limit, so `truncated` is only set when more really exist.
      const search = async (file: { absolutePath: string; path: string }, text: string): Promise<boolean> => {
        if (scannedChars + text.length > maxScannedChars) {
          scanCapReached = true;
          return false;
        }
        scannedChars += text.length;
        const found = await matcher.match({ text, limit: limit + 1 - matches.length });
        for (const match of found) matches.push({ path: file.path, ...match });
        return matches.length <= limit;
      };
      let walkLimitReached = false;
      try {
        if (info.isFile()) {
          const text = await readText({ root, path: resolved });
          if (typeof text !== 'string')
            throw new ToolError(`"${input.path}" is ${text.reason}; it cannot be searched.`);
          await search({ absolutePath: resolved, path: relative(root, resolved).split(sep).join('/') }, text);
        } else {
          const walked = await walkWorkspaceFiles({
            root,
            folder: await realpath(resolved),
            signal: context.signal,
            async visit(file) {
              if (!filter(file.pathInFolder)) return true;
              const text = await readText({ root, path: file.absolutePath });
              return typeof text !== 'string' || search(file, text);
            },
          });
          walkLimitReached = walked.limitReached;
        }
      } finally {
        await matcher.close();
      }
      const truncated = matches.length > limit || scanCapReached || walkLimitReached;
      return { output: { matches: matches.slice(0, limit), truncated } };
    },
  });
}

/**
 * The file's text, or why it is skipped: binary (a NUL byte), too large, or unreadable. Opened
 * without blocking (a FIFO), checked as opened (a regular file inside the workspace), and read
 * no further than the cap.
 */
async function readText(options: { root: string; path: string }): Promise<string | { reason: string }> {
  const unreadable = { reason: 'not a readable file' };
  const handle = await open(options.path, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => null);
  if (!handle) return unreadable;
  try {
    const info = await handle.stat();
    if (!info.isFile()) return unreadable;
    const tooLarge = { reason: `over ${maxFileBytes / 1024 / 1024} MB` };
    // Skipped unread; `readAtMost` still bounds a file that grows after this check.
    if (info.size > maxFileBytes) return tooLarge;
    const real = await realpath(`/proc/self/fd/${handle.fd}`);
    if (!isInside({ root: options.root, path: real })) return unreadable;
    const bytes = await readAtMost(handle, maxFileBytes);
    if (bytes === null) return tooLarge;
    if (bytes.includes(0)) return { reason: 'a binary file' };
    return bytes.toString('utf8');
  } catch {
    return unreadable;
  } finally {
    await handle.close();
  }
}

export const grepTool = createGrepTool({ matchTimeoutMs: 10_000 });
