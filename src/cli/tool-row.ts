import { oneLine, truncate } from './terminal-text.ts';

/** What the terminal needs of a tool part of a UIMessage (static `tool-<name>` or `dynamic-tool`). */
export interface ToolPartView {
  toolName: string;
  state: string;
  input: unknown;
  output?: unknown;
  errorText?: string;
}

export interface ToolRow {
  /** While the tool runs: the status line's label. */
  running: string;
  /** Once it has finished: the row printed into the conversation. */
  finished: { ok: boolean; text: string } | null;
  /** Sub-agents take long, so their start is printed as a row too, not only shown in the status line. */
  isAgent: boolean;
}

const agentTools = new Set(['Agent', 'Task']);
const fileTools = new Set(['read_file', 'write_file', 'edit_file', 'delete_file', 'list_files']);

/** The wording of a tool row, by category, the way the web UI words it. */
export function describeToolPart(part: ToolPartView): ToolRow {
  const name = oneLine(part.toolName);
  const done = part.state === 'output-available' || part.state === 'output-error';
  const failed = part.state === 'output-error';
  const error = truncate({ text: oneLine(part.errorText ?? 'failed'), max: 200 });
  if (agentTools.has(part.toolName)) {
    const what = agentSummary(part.input);
    const background =
      fieldOf(part.output, 'isAsync') === true || fieldOf(part.output, 'status') === 'async_launched';
    return {
      running: `Running agent: ${what}`,
      finished: !done
        ? null
        : failed
          ? { ok: false, text: `Agent failed: ${what} — ${error}` }
          : { ok: true, text: `${background ? 'Agent started (background)' : 'Agent completed'}: ${what}` },
      isAgent: true,
    };
  }
  if (part.toolName === 'TaskOutput') {
    const what = oneLine(stringField(part.input, ['task_id', 'agentId', 'agent_id'])) || 'agent';
    const timedOut = fieldOf(part.output, 'retrieval_status') === 'timeout';
    return {
      running: `Checking agent ${what}`,
      finished: !done
        ? null
        : failed
          ? { ok: false, text: `Checking agent ${what} failed — ${error}` }
          : { ok: true, text: timedOut ? 'Agent still running…' : `Agent completed: ${what}` },
      isAgent: true,
    };
  }
  const summary = summarise(part);
  const label = summary === '' ? name : `${name} ${summary}`;
  let text = label;
  let ok = !failed;
  if (part.toolName === 'bash_exec' && done && !failed) {
    const exitCode = fieldOf(part.output, 'exitCode') ?? fieldOf(part.output, 'exit_code');
    if (typeof exitCode === 'number') {
      text = `${label} (exit ${exitCode})`;
      ok = exitCode === 0;
    }
  }
  if (part.toolName === 'context_compaction' && done && !failed) {
    text = compactionText(part.output);
  }
  return {
    running: part.toolName === 'context_compaction' ? 'Summarizing earlier messages…' : label,
    finished: !done ? null : { ok, text: failed ? `${label} — ${error}` : text },
    isAgent: false,
  };
}

function summarise(part: ToolPartView): string {
  const input = part.input;
  if (fileTools.has(part.toolName)) {
    return clip(stringField(input, ['path', 'file_path']) || (part.toolName === 'list_files' ? '.' : ''));
  }
  switch (part.toolName) {
    case 'bash_exec':
      return `$ ${clip(stringField(input, ['command', 'cmd']))}`;
    case 'web_fetch':
      return clip(stringField(input, ['url']));
    case 'glob':
      return clip(stringField(input, ['pattern']));
    case 'grep': {
      const path = stringField(input, ['path']);
      return `"${clip(stringField(input, ['pattern']))}"${path ? ` in ${clip(path)}` : ''}`;
    }
    case 'todo_write': {
      const todos = fieldOf(input, 'todos');
      if (!Array.isArray(todos)) return '';
      const completed = todos.filter((todo) => fieldOf(todo, 'status') === 'completed').length;
      return `(${todos.length} items, ${completed} done)`;
    }
    case 'context_compaction':
      return '';
    default: {
      const text =
        input === undefined || (isRecord(input) && Object.keys(input).length === 0)
          ? ''
          : JSON.stringify(input);
      return clip(text ?? '');
    }
  }
}

function agentSummary(input: unknown): string {
  const description = stringField(input, ['description']);
  if (description) return clip(description);
  return clip(stringField(input, ['prompt'])) || 'sub-agent';
}

function compactionText(output: unknown): string {
  const dropped = fieldOf(output, 'dropped') === true;
  const before = fieldOf(output, 'tokensBefore');
  const after = fieldOf(output, 'tokensAfter');
  const figures =
    typeof before === 'number' && typeof after === 'number'
      ? ` (${formatTokens(before)} → ${formatTokens(after)} tokens)`
      : '';
  return `${dropped ? 'Earlier messages were dropped' : 'Earlier messages were summarized'}${figures}`;
}

function formatTokens(count: number): string {
  return count >= 1000 ? `${Math.round(count / 1000)}K` : String(count);
}

function clip(text: string): string {
  return truncate({ text: oneLine(text), max: 60 });
}

function stringField(value: unknown, keys: string[]): string {
  for (const key of keys) {
    const field = fieldOf(value, key);
    if (typeof field === 'string' && field !== '') return field;
  }
  return '';
}

/** A field of a tool's input or output, which may be an object or that object as JSON text. */
function fieldOf(value: unknown, key: string): unknown {
  if (typeof value === 'string' && value.startsWith('{')) {
    try {
      return fieldOf(JSON.parse(value), key);
    } catch {
      return undefined;
    }
  }
  return isRecord(value) ? value[key] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
