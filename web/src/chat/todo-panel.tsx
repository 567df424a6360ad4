import { useMemo } from 'react';
import type { ChatMessage } from './chat-types.ts';
import { toToolView } from './segments.ts';
import { asRecord, toolCategory } from './tool-describe.ts';
import { TodoList } from './tool-row.tsx';

const wideQuery = '(min-width: 821px)';

/** The session's latest todo list, pinned above the composer while it has items; open while a turn works on it. */
export function TodoPanel(props: { messages: ChatMessage[]; running: boolean }) {
  const todos = useMemo(() => latestTodos(props.messages), [props.messages]);
  if (todos.length === 0) return null;
  const done = todos.filter((todo) => asRecord(todo).status === 'completed').length;
  const current = asRecord(todos.find((todo) => asRecord(todo).status === 'in_progress'));
  const currentText = String(current.activeForm ?? current.content ?? '');
  // On a narrow screen the list would take the conversation's room: it starts closed, saying what is under way.
  const roomy = typeof window.matchMedia !== 'function' || window.matchMedia(wideQuery).matches;
  return (
    <details className="todo-panel" aria-label="Todos" open={roomy && props.running && done < todos.length}>
      <summary>
        Todos <span className="todo-count">{`${done}/${todos.length} done`}</span>
        {currentText ? <span className="todo-current">{currentText}</span> : null}
      </summary>
      <TodoList todos={todos} />
    </details>
  );
}

function latestTodos(messages: ChatMessage[]): unknown[] {
  for (let index = messages.length - 1; index >= 0; index--) {
    const parts = messages[index]?.parts ?? [];
    for (let partIndex = parts.length - 1; partIndex >= 0; partIndex--) {
      const tool = toToolView(parts[partIndex]!);
      if (!tool || toolCategory(tool.toolName) !== 'todo' || tool.state === 'error') continue;
      const todos = asRecord(tool.input).todos;
      if (Array.isArray(todos)) return todos;
    }
  }
  return [];
}
