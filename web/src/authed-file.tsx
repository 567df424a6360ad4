import { type ReactNode, useEffect, useState } from 'react';
import { apiFetch, getToken } from './api.ts';

/**
 * A file of ours as something `<img src>` can show. Without a token the URL serves as is; with one,
 * an `<img>` cannot send it, so the bytes are fetched with the header and shown through an object
 * URL (revoked when the URL changes or the view goes). The token never goes into a URL. Null while
 * loading or when it cannot be loaded.
 */
export function useFileUrl(url: string): string | null {
  const needsToken = getToken() !== null;
  const [objectUrl, setObjectUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!needsToken) return;
    let live = true;
    let created: string | null = null;
    apiFetch(url)
      .then((response) => response.blob())
      .then((blob) => {
        if (!live) return;
        created = URL.createObjectURL(blob);
        setObjectUrl(created);
      })
      .catch(() => live && setObjectUrl(null));
    return () => {
      live = false;
      if (created) URL.revokeObjectURL(created);
    };
  }, [url, needsToken]);
  return needsToken ? objectUrl : url;
}

/** How long a download's object URL lives: the browser has taken the bytes long before. */
const downloadUrlLifetimeMs = 60_000;

/**
 * A link that downloads one of our files. Without a token the browser follows it; with one, a click
 * fetches the bytes with the header and saves them through a short-lived object URL.
 */
export function DownloadLink(props: {
  url: string;
  filename: string;
  className?: string;
  label?: string;
  title?: string;
  children: ReactNode;
}) {
  const download = async (event: React.MouseEvent<HTMLAnchorElement>) => {
    if (getToken() === null) return;
    event.preventDefault();
    try {
      const blob = await (await apiFetch(props.url)).blob();
      const objectUrl = URL.createObjectURL(blob);
      const anchor = document.createElement('a');
      anchor.href = objectUrl;
      anchor.download = props.filename;
      anchor.click();
      setTimeout(() => URL.revokeObjectURL(objectUrl), downloadUrlLifetimeMs);
    } catch {
      window.alert(`Could not download ${props.filename}.`);
    }
  };
  return (
    <a
      className={props.className}
      href={props.url}
      download={props.filename}
      aria-label={props.label}
      title={props.title}
      onClick={(event) => void download(event)}
    >
      {props.children}
    </a>
  );
}
