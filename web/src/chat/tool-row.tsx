import { diffLines } from 'diff';
import { useMemo } from 'react';
import { Icon } from '../icons.tsx';
import type { ToolPartView } from './segments.ts';
import { asRecord, baseToolName, describeTool, type ToolCategory } from './tool-describe.ts';

/** One tool call: a `group` (what `<details>` is) named by its summary line, with the input and output behind it. */
export function ToolRow(props: { tool: ToolPartView }) {
  const { tool } = props;
  const description = describeTool(tool);
  return (
    <details
      className={`tool-row tool-${description.category} state-${tool.state}`}
      aria-label={description.summary}
      data-state={tool.state}
    >
      <summary>
        <span className="tool-icon">
          <Icon name={description.category} />
        </span>
        {tool.progress ? (
          <span className="tool-lines">
            <span className="tool-summary">{description.summary}</span>
            <span className="tool-progress">
              ↳ {baseToolName(tool.progress.toolName)}
              {tool.progress.summary ? `: ${tool.progress.summary}` : ''}
            </span>
          </span>
        ) : (
          <span className="tool-summary">{description.summary}</span>
        )}
        {description.badge ? <span className="tool-badge">{description.badge}</span> : null}
        <span className={`tool-state ${tool.state}`} aria-hidden="true" />
      </summary>
      <div className="tool-body">
        <ToolBody category={description.category} tool={tool} />
      </div>
    </details>
  );
}

/** Consecutive finished generic rows, folded into one line that opens to show each. */
export function ToolGroup(props: { tools: ToolPartView[] }) {
  const names = [...new Set(props.tools.map((tool) => tool.toolName))];
  const summary = `Ran ${props.tools.length} tools: ${names.slice(0, 3).join(', ')}${names.length > 3 ? '…' : ''}`;
  return (
    <details className="tool-row tool-collapsed" aria-label={summary}>
      <summary>
        <span className="tool-icon">
          <Icon name="generic" />
        </span>
        <span className="tool-summary">{summary}</span>
      </summary>
      <div className="tool-body tool-group-body">
        {props.tools.map((tool) => (
          <ToolRow key={tool.toolCallId} tool={tool} />
        ))}
      </div>
    </details>
  );
}

function ToolBody(props: { category: ToolCategory; tool: ToolPartView }) {
  const { tool, category } = props;
  const input = asRecord(tool.input);
  const output = asRecord(tool.output);
  const failure =
    tool.state === 'error' ? <pre className="tool-error">{tool.errorText ?? 'Failed.'}</pre> : null;
  switch (category) {
    case 'shell':
      return (
        <>
          <pre className="tool-command">$ {String(input.command ?? '')}</pre>
          {failure}
          {tool.state === 'done' ? <Output value={output.stdout ?? output.output ?? tool.output} /> : null}
          {typeof output.stderr === 'string' && output.stderr ? (
            <pre className="tool-stderr">{output.stderr}</pre>
          ) : null}
        </>
      );
    case 'edit':
      return (
        <>
          <p className="tool-path">{String(input.path ?? input.file_path ?? '')}</p>
          <Diff
            before={String(input.old_text ?? input.old_string ?? '')}
            after={String(input.new_text ?? input.new_string ?? '')}
          />
          {failure}
        </>
      );
    case 'file-write':
      return (
        <>
          <p className="tool-path">{String(input.path ?? input.file_path ?? '')}</p>
          <pre className="tool-content">{clipText(String(input.content ?? ''))}</pre>
          {failure}
        </>
      );
    case 'file-read':
    case 'file-delete':
      return (
        <>
          <p className="tool-path">{String(input.path ?? input.file_path ?? '')}</p>
          {failure}
          {tool.state === 'done' && category === 'file-read' ? (
            <Output value={output.content ?? tool.output} />
          ) : null}
        </>
      );
    case 'todo':
      return <TodoList todos={input.todos} />;
    case 'agent':
      if (typeof input.prompt !== 'string') break;
      return (
        <>
          <Section title="Task" value={input.prompt} />
          {failure}
          {tool.state !== 'done' ? null : isBackgroundLaunch(output) ? (
            <p className="tool-note">It runs in the background; its report comes back when it is done.</p>
          ) : (
            <Section title="Report" value={agentReport(tool.output)} />
          )}
        </>
      );
  }
  return (
    <>
      <Section title="Input" value={tool.input} />
      {failure}
      {tool.state === 'done' ? <Section title="Output" value={tool.output} /> : null}
    </>
  );
}

function isBackgroundLaunch(output: Record<string, unknown>): boolean {
  return output.isAsync === true || output.status === 'async_launched';
}

/** A sub-agent's report: the text of its result's content blocks when it has them, else the output as is. */
function agentReport(output: unknown): unknown {
  const content = asRecord(output).content;
  if (!Array.isArray(content)) return output;
  const text = content
    .map((block) => asRecord(block))
    .flatMap((block) => (block.type === 'text' && typeof block.text === 'string' ? [block.text] : []))
    .join('\n\n');
  return text || output;
}

function Section(props: { title: string; value: unknown }) {
  if (
    props.value === undefined ||
    (asRecord(props.value) &&
      Object.keys(asRecord(props.value)).length === 0 &&
      typeof props.value === 'object')
  ) {
    return null;
  }
  return (
    <div className="tool-section">
      <div className="tool-section-title">{props.title}</div>
      <Output value={props.value} />
    </div>
  );
}

function Output(props: { value: unknown }) {
  const text = typeof props.value === 'string' ? props.value : JSON.stringify(props.value, null, 2);
  if (!text) return null;
  return <pre className="tool-output">{clipText(text)}</pre>;
}

function Diff(props: { before: string; after: string }) {
  const changes = useMemo(() => diffLines(props.before, props.after), [props.before, props.after]);
  return (
    <pre className="tool-diff">
      {changes.map((change, index) => {
        const sign = change.added ? '+' : change.removed ? '-' : ' ';
        const lines = change.value.replace(/\n$/, '').split('\n');
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: a diff is rendered whole and never reordered.
          <span key={index} className={change.added ? 'diff-add' : change.removed ? 'diff-del' : 'diff-same'}>
            {lines.map((line) => `${sign} ${line}\n`).join('')}
          </span>
        );
      })}
    </pre>
  );
}

export function TodoList(props: { todos: unknown }) {
  const todos = Array.isArray(props.todos) ? props.todos.map(asRecord) : [];
  return (
    <ul className="todo-list">
      {todos.map((todo, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: todo items have no ids and the list is replaced whole.
        <li key={index} className={`todo-${String(todo.status)}`}>
          <span className="todo-mark" aria-hidden="true">
            {todo.status === 'completed' ? '✓' : todo.status === 'in_progress' ? '◐' : '○'}
          </span>
          <span>
            {String(
              todo.status === 'in_progress' && todo.activeForm ? todo.activeForm : (todo.content ?? ''),
            )}
          </span>
          <span className="visually-hidden"> ({String(todo.status ?? 'pending').replace('_', ' ')})</span>
        </li>
      ))}
    </ul>
  );
}

const maxShownChars = 20_000;

function clipText(text: string): string {
  return text.length > maxShownChars
    ? `${text.slice(0, maxShownChars)}\n… (${text.length - maxShownChars} more characters)`
    : text;
}
