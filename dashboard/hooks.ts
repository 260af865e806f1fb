import { useEffect, useState } from 'preact/hooks';
import { api, ApiFailure } from './api';

export interface Resource<T> {
  data: T | null;
  headers: Headers | null;
  error: ApiFailure | Error | null;
  loading: boolean;
}

/**
 * GET `path` whenever it or `version` changes. The last good answer stays on screen while the
 * next one loads, so numbers change in place instead of blinking.
 */
export function useResource<T>(path: string | null, version: number): Resource<T> {
  const [state, setState] = useState<Resource<T>>({ data: null, headers: null, error: null, loading: true });
  useEffect(() => {
    if (path === null) return;
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    api<T>(path).then(
      (answer) => current && setState({ data: answer.data, headers: answer.headers, error: null, loading: false }),
      (error: unknown) =>
        current &&
        setState((s) => ({ ...s, error: error instanceof Error ? error : new Error(String(error)), loading: false })),
    );
    return () => {
      current = false;
    };
  }, [path, version]);
  return state;
}

/** The time, re-read every `everyMs`. */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
