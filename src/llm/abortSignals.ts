/**
 * Abort listeners fanned out from one real listener per signal.
 *
 * A run hands one signal to every call it makes; with hundreds of calls
 * waiting for a rate-limit slot or a backoff, one `addEventListener` each
 * would trip Node's MaxListenersExceededWarning although nothing leaks.
 */

const subscribers = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `listener` once when `signal` aborts (at once if it already has);
 * returns a function that unsubscribes.
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  if (signal.aborted) {
    listener();
    return () => undefined;
  }
  let listeners = subscribers.get(signal);
  if (listeners === undefined) {
    const fresh = new Set<() => void>();
    listeners = fresh;
    subscribers.set(signal, fresh);
    signal.addEventListener(
      'abort',
      () => {
        subscribers.delete(signal);
        for (const notify of fresh) notify();
      },
      { once: true },
    );
  }
  // A wrapper per subscription, so subscribing the same function twice works.
  const entry = (): void => listener();
  listeners.add(entry);
  return () => {
    listeners.delete(entry);
  };
}
