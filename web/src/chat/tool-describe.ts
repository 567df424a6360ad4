/**
 * How a tool call reads in the conversation: its category (icon and layout) and its summary line,
 * which is also the row's accessible name. Pure, so the wording is one table to read.
 */
export type ToolCategory =
  | 'shell'
  | 'file-read'
  | 'file-write'
  | 'edit'
  | 'file-delete'
  | 'file-list'
  | 'search'
  | 'web'
  | 'todo'
  | 'compaction'
  | 'agent'
  | 'generic';

/** `stopped`: cut short by the user's Stop, which is not the tool failing. */
export type ToolState = 'running' | 'done' | 'error' | 'stopped';

export interface ToolCall {
  toolName: string;
  state: ToolState;
  input: unknown;
  output: unknown;
  errorText?: string;
}

export interface ToolDescription {
  category: ToolCategory;
  summary: string;
  /** A short right-hand note: an exit code, a count. */
  badge?: string;
}

const categories: Record<string, ToolCategory> = {
  bash_exec: 'shell',
  bash: 'shell',
  read_file: 'file-read',
  read: 'file-read',
  write_file: 'file-write',
  write: 'file-write',
  edit_file: 'edit',
  edit: 'edit',
  multiedit: 'edit',
  delete_file: 'file-delete',
  list_files: 'file-list',
  glob: 'file-list',
  grep: 'search',
  websearch: 'web',
  web_fetch: 'web',
  webfetch: 'web',
  todo_write: 'todo',
  todowrite: 'todo',
  context_compaction: 'compaction',
  agent: 'agent',
  task: 'agent',
  taskoutput: 'agent',
};

/** `mcp__autopilot__read_file` → `read_file`: the runtime's prefix says nothing to a reader. */
export function baseToolName(toolName: string): string {
  const match = /^mcp__[^_]+(?:_[^_]+)*?__(.+)$/.exec(toolName);
  return match?.[1] ?? toolName;
}

export function toolCategory(toolName: string): ToolCategory {
  return categories[baseToolName(toolName).toLowerCase()] ?? 'generic';
}

export function describeTool(call: ToolCall): ToolDescription {
  const category = toolCategory(call.toolName);
  if (call.state === 'stopped' && !(category === 'agent' && baseToolName(call.toolName) !== 'TaskOutput')) {
    // What it was doing when the user stopped it.
    return { category, summary: `${describeTool({ ...call, state: 'running' }).summary} — stopped` };
  }
  const input = asRecord(call.input);
  const output = asRecord(call.output);
  const name = baseToolName(call.toolName);
  const file = readableFileName(str(input.path) ?? str(input.file_path) ?? '');
  const { state } = call;
  const pick = (running: string, done: string, failed: string) =>
    state === 'running' ? running : state === 'done' ? done : failed;

  switch (category) {
    case 'shell': {
      const command = clip(str(input.command) ?? '', 80);
      const exitCode = num(output.exitCode) ?? num(output.exit_code);
      return {
        category,
        summary: pick(`Running: ${command}`, `Ran: ${command}`, `Command failed: ${command}`),
        ...(exitCode !== undefined && state !== 'running' ? { badge: `exit ${exitCode}` } : {}),
      };
    }
    case 'file-read':
      return { category, summary: pick(`Reading ${file}`, `Read ${file}`, `Could not read ${file}`) };
    case 'file-write':
      return { category, summary: pick(`Writing ${file}`, `Wrote ${file}`, `Could not write ${file}`) };
    case 'edit':
      return { category, summary: pick(`Editing ${file}`, `Edited ${file}`, `Could not edit ${file}`) };
    case 'file-delete':
      return { category, summary: pick(`Deleting ${file}`, `Deleted ${file}`, `Could not delete ${file}`) };
    case 'file-list': {
      const pattern = str(input.pattern);
      const what = pattern ? `files matching ${clip(pattern, 60)}` : 'files';
      const count = Array.isArray(output.files) ? output.files.length : undefined;
      return {
        category,
        summary: pick(`Listing ${what}`, `Listed ${what}`, 'Listing files failed'),
        ...(count !== undefined ? { badge: `${count} ${count === 1 ? 'file' : 'files'}` } : {}),
      };
    }
    case 'search': {
      const pattern = clip(str(input.pattern) ?? str(input.query) ?? '', 60);
      return { category, summary: pick(`Searching "${pattern}"`, `Searched "${pattern}"`, 'Search failed') };
    }
    case 'web': {
      const target = clip(str(input.url) ?? str(input.query) ?? '', 80);
      return {
        category,
        summary: pick(`Fetching ${target}`, `Fetched ${target}`, `Could not fetch ${target}`),
      };
    }
    case 'todo': {
      const todos = Array.isArray(input.todos) ? input.todos.map(asRecord) : [];
      const done = todos.filter((todo) => todo.status === 'completed').length;
      return {
        category,
        summary: pick('Updating the todo list', 'Updated the todo list', 'Could not update the todo list'),
        ...(todos.length > 0 ? { badge: `${done}/${todos.length} done` } : {}),
      };
    }
    case 'compaction':
      return { category, summary: compactionSummary({ state, output }) };
    case 'agent':
      return { category, summary: agentSummary({ name, state, input, output }) };
    case 'generic':
      return { category, summary: pick(`Running ${name}`, `Ran ${name}`, `${name} failed`) };
  }
}

function compactionSummary(options: { state: ToolState; output: Record<string, unknown> }): string {
  if (options.state === 'running') return 'Summarizing earlier messages…';
  if (options.state === 'error') return 'Summarizing earlier messages failed';
  const before = num(options.output.tokensBefore);
  const after = num(options.output.tokensAfter);
  const tokens =
    before !== undefined && after !== undefined
      ? ` (${tokenCount(before)} → ${tokenCount(after)} tokens)`
      : '';
  if (options.output.dropped === true) return `Earlier messages were dropped to fit${tokens}`;
  return `Earlier messages were summarized${tokens}`;
}

function agentSummary(options: {
  name: string;
  state: ToolState;
  input: Record<string, unknown>;
  output: Record<string, unknown>;
}): string {
  const { state, input, output } = options;
  if (options.name.toLowerCase() === 'taskoutput') {
    const id = str(input.task_id) ?? str(input.agentId) ?? str(input.agent_id) ?? '';
    if (state === 'running') return `Checking agent ${clip(id, 40)}`.trim();
    if (state === 'error') return `Checking agent failed`;
    const retrieval = str(output.retrieval_status) ?? str(output.retrievalStatus);
    if (retrieval === 'timeout' || retrieval === 'not_ready' || output.status === 'running')
      return 'Agent still running…';
    return `Agent completed: ${clip(str(output.description) ?? id, 60)}`;
  }
  const description = clip(str(input.description) ?? str(input.prompt) ?? '', 60);
  if (state === 'running') return description ? `Running agent: ${description}` : 'Starting agent…';
  // Not "Running agent… — stopped": a reader (or a check) must not take it for a running one.
  if (state === 'stopped') return description ? `Agent stopped: ${description}` : 'Agent stopped';
  if (state === 'error') return `Agent failed: ${description}`;
  if (output.isAsync === true || output.status === 'async_launched')
    return `Agent started (background): ${description}`;
  return `Agent completed: ${description}`;
}

/** The last path segment, so `src/deep/folder/notes.md` reads as `notes.md`. */
export function readableFileName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const base = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  return clip(base || trimmed || 'a file', 60);
}

export function tokenCount(tokens: number): string {
  if (tokens >= 1_000_000) return `${(tokens / 1_000_000).toFixed(1)}M`;
  if (tokens >= 10_000) return `${Math.round(tokens / 1000)}K`;
  if (tokens >= 1000) return `${(tokens / 1000).toFixed(1)}K`;
  return String(tokens);
}

function clip(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

export function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
