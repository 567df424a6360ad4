import { type ComponentProps, memo } from 'react';
import { Streamdown } from 'streamdown';
import { codeHighlighter } from './code-highlighter.ts';

const plugins = { code: codeHighlighter };

/**
 * An image of the model's Markdown. One from another site is shown as a link to it, never
 * loaded: the page's CSP would block it anyway, and loading it would tell that site whatever
 * the model (or a page it read) put in its address.
 */
function MarkdownImage(props: ComponentProps<'img'> & { node?: unknown }) {
  const { node: _node, src, alt, ...rest } = props;
  const address = typeof src === 'string' ? src : '';
  if (/^https?:/i.test(address) && new URL(address, location.href).origin !== location.origin) {
    return (
      <a className="image-link" href={address} target="_blank" rel="noopener noreferrer nofollow">
        {alt?.trim() || 'Image'} (image on {new URL(address).host})
      </a>
    );
  }
  return <img {...rest} src={address} alt={alt ?? ''} />;
}

const components = { img: MarkdownImage };

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
      components={components}
    >
      {props.text}
    </Streamdown>
  );
});
