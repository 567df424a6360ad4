import { scrubPathsUnder } from '../tools/scrub-paths.ts';

/** The input fields that say what a call does, most telling first. */
const subjectFields = ['command', 'file_path', 'path', 'url', 'pattern', 'query', 'description', 'prompt'];
const maxSummary = 80;

/**
 * One line saying what a sub-agent's tool call does, for the running agent row: its command, file,
 * URL or pattern, with workspace paths relative to the workspace and every other absolute path
 * hidden, so no server location reaches a viewer.
 */
export function subagentCallSummary(options: { input: unknown; workspaceRoots: string[] }): string {
  const input =
    options.input && typeof options.input === 'object' ? (options.input as Record<string, unknown>) : {};
  const subject = subjectFields.map((field) => input[field]).find((value) => typeof value === 'string');
  if (typeof subject !== 'string') return '';
  const oneLine = scrubPathsUnder({ message: subject, roots: options.workspaceRoots, hideOthers: true })
    .replace(/\s+/g, ' ')
    .trim();
  return oneLine.length > maxSummary ? `${oneLine.slice(0, maxSummary - 1)}…` : oneLine;
}
