import { type ComponentProps, memo } from 'react';
import { Block, type BlockProps, Streamdown } from 'streamdown';
import { ErrorBoundary } from '../error-boundary.tsx';
import { codeHighlighter, themeNames } from './code-highlighter.ts';
import { failedToSplit, renderableAsMarkdown, splitBlocks } from './markdown-guard.ts';

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

/** A block as the model wrote it, unformatted. */
function PlainBlock(props: { text: string }) {
  return <div className="plain-block">{props.text}</div>;
}

/**
 * One block of the reply: Markdown when the renderer can take it (see `markdown-guard.ts`),
 * plain text when it cannot, or when rendering it failed all the same.
 */
const GuardedBlock = memo(function GuardedBlock(props: BlockProps) {
  if (failedToSplit(props.content) || !renderableAsMarkdown(props.content))
    return <PlainBlock text={props.content} />;
  return (
    <ErrorBoundary label="A block of the reply" fallback={<PlainBlock text={props.content} />}>
      <Block {...props} />
    </ErrorBoundary>
  );
});

/**
 * Markdown that renders well while it is still arriving (unclosed fences, half a table). Always
 * in Streamdown's streaming mode, which renders block by block (its static mode renders the
 * whole text at once, past `GuardedBlock`); unclosed Markdown is completed only while it streams.
 */
export const Markdown = memo(function Markdown(props: { text: string; streaming: boolean }) {
  return (
    <ErrorBoundary label="The reply" fallback={<PlainBlock text={props.text} />}>
      <Streamdown
        className="markdown"
        mode="streaming"
        parseIncompleteMarkdown={props.streaming}
        isAnimating={props.streaming}
        plugins={plugins}
        shikiTheme={[themeNames.light, themeNames.dark]}
        lineNumbers={false}
        controls={{ code: true, table: false, mermaid: false }}
        linkSafety={{ enabled: false }}
        components={components}
        parseMarkdownIntoBlocksFn={splitBlocks}
        BlockComponent={GuardedBlock}
      >
        {props.text}
      </Streamdown>
    </ErrorBoundary>
  );
});
