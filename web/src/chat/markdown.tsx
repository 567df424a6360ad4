import { memo } from 'react';
import { Streamdown } from 'streamdown';
import { codeHighlighter } from './code-highlighter.ts';

const plugins = { code: codeHighlighter };

/** Markdown that renders well while it is still arriving (unclosed fences, half a table). */
export const Markdown = memo(function Markdown(props: { text: string; streaming: boolean }) {
  return (
    <Streamdown
      className="markdown"
      mode={props.streaming ? 'streaming' : 'static'}
      isAnimating={props.streaming}
      plugins={plugins}
      shikiTheme={['github-light', 'github-dark']}
      lineNumbers={false}
      controls={{ code: true, table: false, mermaid: false }}
      linkSafety={{ enabled: false }}
    >
      {props.text}
    </Streamdown>
  );
});
