import { useEffect, useState } from 'react';
import { apiFetch, apiJson } from '../api.ts';
import { DownloadLink } from '../authed-file.tsx';
import { Icon } from '../icons.tsx';

interface WorkspaceFile {
  path: string;
  size: number;
  modifiedAt: string;
}

const textExtensions =
  /\.(txt|md|markdown|json|jsonl|csv|tsv|ts|tsx|js|jsx|mjs|cjs|py|rb|go|rs|java|c|h|cpp|hpp|cs|sh|bash|zsh|yml|yaml|toml|ini|cfg|conf|env|html|htm|css|scss|xml|svg|sql|log|diff|patch)$/i;
const imageTypes: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};
const maxPreviewBytes = 512 * 1024;

type Preview =
  | { path: string; kind: 'text'; text: string }
  | { path: string; kind: 'image'; url: string }
  | { path: string; kind: 'none'; reason: string };

/** The session's files, with a download link each and an inline preview for text and images. */
export function WorkspacePanel(props: {
  sessionId: string;
  version: number;
  open: boolean;
  onClose: () => void;
}) {
  const [files, setFiles] = useState<WorkspaceFile[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [preview, setPreview] = useState<Preview | null>(null);

  useEffect(() => {
    let live = true;
    // `version` changes when a turn writes: refetch then.
    void props.version;
    apiJson<{ files: WorkspaceFile[] }>(`/api/sessions/${encodeURIComponent(props.sessionId)}/workspace`)
      .then((answer) => {
        if (!live) return;
        setFiles(
          answer.files
            .filter((file) => !file.path.startsWith('.autopilot/'))
            .sort((a, b) => a.path.localeCompare(b.path)),
        );
        setFailed(false);
      })
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [props.sessionId, props.version]);

  useEffect(
    () => () => {
      if (preview?.kind === 'image') URL.revokeObjectURL(preview.url);
    },
    [preview],
  );

  const open = async (file: WorkspaceFile) => {
    if (preview?.path === file.path) {
      setPreview(null);
      return;
    }
    const extension = file.path.split('.').at(-1)?.toLowerCase() ?? '';
    const isImage = extension in imageTypes;
    if (!isImage && !textExtensions.test(file.path)) {
      setPreview({ path: file.path, kind: 'none', reason: 'No preview for this kind of file.' });
      return;
    }
    if (file.size > maxPreviewBytes) {
      setPreview({ path: file.path, kind: 'none', reason: 'Too large to preview; download it instead.' });
      return;
    }
    try {
      const response = await apiFetch(fileUrl(props.sessionId, file.path));
      if (isImage) {
        const blob = new Blob([await response.arrayBuffer()], { type: imageTypes[extension] });
        setPreview({ path: file.path, kind: 'image', url: URL.createObjectURL(blob) });
      } else {
        setPreview({ path: file.path, kind: 'text', text: await response.text() });
      }
    } catch {
      setPreview({ path: file.path, kind: 'none', reason: 'Could not load the file.' });
    }
  };

  return (
    <section className={`workspace-panel${props.open ? ' open' : ''}`} aria-label="Workspace">
      <header className="panel-header">
        <h2>Workspace</h2>
        <button
          type="button"
          className="icon-button panel-close"
          aria-label="Close workspace"
          onClick={props.onClose}
        >
          <Icon name="close" />
        </button>
      </header>
      {failed ? <p className="muted">Could not list the files.</p> : null}
      {files && files.length === 0 ? (
        <p className="muted">No files yet. Files the agent writes appear here.</p>
      ) : null}
      <ul className="file-list">
        {files?.map((file) => (
          <li key={file.path} className={preview?.path === file.path ? 'selected' : ''}>
            <button
              type="button"
              className="file-name"
              onClick={() => void open(file)}
              aria-expanded={preview?.path === file.path}
              title={`Preview ${file.path}`}
            >
              <Icon name="file-read" /> <span className="file-path">{file.path}</span>
            </button>
            <span className="file-size">{formatSize(file.size)}</span>
            <DownloadLink
              className="icon-button"
              url={fileUrl(props.sessionId, file.path)}
              filename={file.path.split('/').at(-1) ?? file.path}
              label={file.path}
              title={`Download ${file.path}`}
            >
              <Icon name="download" />
            </DownloadLink>
            {preview?.path === file.path ? <PreviewView preview={preview} /> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function PreviewView(props: { preview: Preview }) {
  const { preview } = props;
  if (preview.kind === 'image') return <img className="file-preview" src={preview.url} alt={preview.path} />;
  if (preview.kind === 'text') return <pre className="file-preview">{preview.text}</pre>;
  return <p className="file-preview muted">{preview.reason}</p>;
}

function fileUrl(sessionId: string, path: string): string {
  return `/api/sessions/${encodeURIComponent(sessionId)}/workspace/${path.split('/').map(encodeURIComponent).join('/')}`;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
