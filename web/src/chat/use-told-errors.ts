import { useCallback, useEffect, useRef } from 'react';

/**
 * Errors a notice already tells (a refused send), kept off the conversation: the chat's error, or
 * null once told. useChat records an error only after its `onError` returns, so a told error is
 * cleared once it has been recorded.
 */
export function useToldErrors(chat: { error: Error | undefined; clearError: () => void }) {
  const told = useRef(new WeakSet<Error>());
  const { error, clearError } = chat;
  useEffect(() => {
    if (error && told.current.has(error)) clearError();
  }, [error, clearError]);
  const tell = useCallback((toldError: Error) => told.current.add(toldError), []);
  return { error: error && !told.current.has(error) ? error : null, tell };
}
