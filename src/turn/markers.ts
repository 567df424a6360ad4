import type { ErrorData } from '../protocol/index.ts';
import type { NewMessage } from '../store/session-store.ts';
import { createId } from '../util/ids.ts';

export const stoppedByUserText = 'Execution stopped by user';

export type Marker = { kind: 'error'; error: ErrorData } | { kind: 'system'; message: string };

/** Markers are stored rows that a reload shows; they never reach the model. */
export function markerMessage(options: { turnId: string; marker: Marker }): NewMessage {
  const { marker } = options;
  return {
    id: createId(),
    role: 'marker',
    turnId: options.turnId,
    content: marker.kind === 'error' ? marker.error.message : marker.message,
    metadata: { marker },
  };
}
