import type { DragEvent as ReactDragEvent } from 'react';

const carriesFiles = (transfer: DataTransfer | null) => transfer?.types.includes('Files') ?? false;

/**
 * Makes an element a drop zone for files: the dropped files go to `onFiles`, the rest is left alone.
 * Keyboard users have the picker.
 */
export function fileDropZone(onFiles: (files: File[]) => void) {
  return {
    onDragOver: (event: ReactDragEvent) => {
      if (carriesFiles(event.dataTransfer)) event.preventDefault();
    },
    onDrop: (event: ReactDragEvent) => {
      if (event.dataTransfer.files.length === 0) return;
      event.preventDefault();
      onFiles([...event.dataTransfer.files]);
    },
  };
}

/**
 * A file dropped where no zone takes it would make the browser open it in place of the app, and
 * the conversation's draft would go with the page. Outside the zones a drag of files shows "no
 * drop" and a drop does nothing. Returns the clean-up.
 */
export function preventFileNavigation(target: Window): () => void {
  const onDragOver = (event: DragEvent) => {
    if (!carriesFiles(event.dataTransfer) || event.defaultPrevented) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'none';
  };
  const onDrop = (event: DragEvent) => {
    if (carriesFiles(event.dataTransfer)) event.preventDefault();
  };
  target.addEventListener('dragover', onDragOver);
  target.addEventListener('drop', onDrop);
  return () => {
    target.removeEventListener('dragover', onDragOver);
    target.removeEventListener('drop', onDrop);
  };
}
