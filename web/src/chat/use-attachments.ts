import { useCallback, useEffect, useRef, useState } from 'react';
import type { UploadedFile } from '../../../src/protocol/index.ts';
import { authHeaders } from '../api.ts';

export interface PendingAttachment {
  localId: string;
  name: string;
  mediaType: string;
  size: number;
  /** 0..1 while uploading. */
  progress: number;
  previewUrl: string | null;
  uploaded: UploadedFile | null;
  error: string | null;
}

/** Files picked, dropped or pasted: uploaded at once (with progress), sent later as `fileIds`. */
export function useAttachments(sessionId: string | null) {
  const [items, setItems] = useState<PendingAttachment[]>([]);
  const requests = useRef(new Map<string, XMLHttpRequest>());
  /** Uploads handed over for a send, by file id: a refused send brings them back as they were. */
  const taken = useRef(new Map<string, PendingAttachment>());

  const update = useCallback((localId: string, change: Partial<PendingAttachment>) => {
    setItems((current) => current.map((item) => (item.localId === localId ? { ...item, ...change } : item)));
  }, []);

  const add = useCallback(
    (files: Iterable<File>) => {
      for (const file of files) {
        const localId = crypto.randomUUID();
        const previewUrl = file.type.startsWith('image/') ? URL.createObjectURL(file) : null;
        setItems((current) => [
          ...current,
          {
            localId,
            name: file.name,
            mediaType: file.type,
            size: file.size,
            progress: 0,
            previewUrl,
            uploaded: null,
            error: null,
          },
        ]);
        const request = new XMLHttpRequest();
        requests.current.set(localId, request);
        request.open('POST', '/api/files');
        for (const [name, value] of Object.entries(authHeaders())) request.setRequestHeader(name, value);
        request.upload.onprogress = (event) => {
          if (event.lengthComputable) update(localId, { progress: event.loaded / event.total });
        };
        request.onload = () => {
          requests.current.delete(localId);
          try {
            const body = JSON.parse(request.responseText) as UploadedFile & { error?: { message: string } };
            if (request.status === 201) update(localId, { uploaded: body, progress: 1 });
            else update(localId, { error: body.error?.message ?? `Upload failed (${request.status}).` });
          } catch {
            update(localId, { error: `Upload failed (${request.status}).` });
          }
        };
        request.onerror = () => {
          requests.current.delete(localId);
          update(localId, { error: 'Upload failed: the connection dropped.' });
        };
        const form = new FormData();
        if (sessionId) form.append('sessionId', sessionId);
        form.append('file', file, file.name);
        request.send(form);
      }
    },
    [sessionId, update],
  );

  const remove = useCallback((localId: string) => {
    requests.current.get(localId)?.abort();
    requests.current.delete(localId);
    setItems((current) => {
      const item = current.find((candidate) => candidate.localId === localId);
      if (item?.previewUrl) URL.revokeObjectURL(item.previewUrl);
      return current.filter((candidate) => candidate.localId !== localId);
    });
  }, []);

  /** Hands the uploaded files over (for a send) and empties the tray; previews stay valid in the bubble. */
  const take = useCallback((): UploadedFile[] => {
    const uploaded = items.flatMap((item) => (item.uploaded ? [item.uploaded] : []));
    for (const item of items) if (item.uploaded) taken.current.set(item.uploaded.id, item);
    setItems([]);
    return uploaded;
  }, [items]);

  /** Puts uploaded files back in the tray (a send was refused), each once. */
  const restore = useCallback((files: UploadedFile[]) => {
    if (files.length === 0) return;
    setItems((current) => {
      const shown = new Set(current.flatMap((item) => (item.uploaded ? [item.uploaded.id] : [])));
      const back = files
        .filter((file) => !shown.has(file.id))
        .map((file) => restoredItem(file, taken.current));
      return [...current, ...back];
    });
  }, []);

  useEffect(() => {
    const pending = requests.current;
    return () => {
      for (const request of pending.values()) request.abort();
    };
  }, []);

  const busy = items.some((item) => !item.uploaded && !item.error);
  return { items, add, remove, take, restore, busy };
}

/** The tray's item for an upload: as it was when sent from here, else rebuilt from the message. */
function restoredItem(file: UploadedFile, taken: Map<string, PendingAttachment>): PendingAttachment {
  return (
    taken.get(file.id) ?? {
      localId: crypto.randomUUID(),
      name: file.name,
      mediaType: file.mediaType,
      size: file.size,
      progress: 1,
      previewUrl: null,
      uploaded: file,
      error: null,
    }
  );
}
