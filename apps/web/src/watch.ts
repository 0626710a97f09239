import type { Change } from './model.js';

export type WatchState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface WatchHandlers {
  onChange(change: Change): void;
  onState(state: WatchState, detail?: string): void;
  /**
   * A stream started without resume (the first one, or a new one after the server refused to resume): changes made
   * before it may be missing from what was loaded, so reload.
   */
  onResync(): void;
}

const RETRY_AFTER_CLOSE_MS = 3000;

/**
 * A live watch of a prefix over Server-Sent Events. EventSource reconnects by itself and sends `Last-Event-ID`, so
 * the server resumes after the last version seen. When the server refuses the stream outright (EventSource closes),
 * a new stream is opened after a pause and the caller reloads, because changes may have been missed.
 */
export class PrefixWatch {
  private source: EventSource | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  /** `url` is asked for on every (re)open, so a token entered meanwhile is used. */
  constructor(
    private readonly url: () => string,
    private readonly handlers: WatchHandlers,
  ) {
    this.open(true);
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.source?.close();
    this.handlers.onState('closed');
  }

  private open(resync: boolean): void {
    const source = new EventSource(this.url());
    this.source = source;
    this.handlers.onState('connecting');
    // EventSource's own reconnects open again with Last-Event-ID; only the first open of this source is fresh.
    let fresh = resync;
    source.addEventListener('open', () => {
      this.handlers.onState('live');
      if (fresh) this.handlers.onResync();
      fresh = false;
    });
    const onChange = (op: Change['op']) => (event: MessageEvent<string>) => {
      const data = JSON.parse(event.data) as Omit<Change, 'op'>;
      this.handlers.onChange({ ...data, op });
    };
    source.addEventListener('put', onChange('put'));
    source.addEventListener('delete', onChange('delete'));
    // Both the server's `error` event (it ends the stream with a reason) and connection failures arrive here.
    source.addEventListener('error', (event) => {
      if (this.stopped) return;
      const reason = event instanceof MessageEvent ? describe(event.data) : undefined;
      if (source.readyState === EventSource.CLOSED) {
        this.handlers.onState('closed', reason ?? 'the server refused the watch');
        this.retry = setTimeout(() => this.open(true), RETRY_AFTER_CLOSE_MS);
      } else {
        this.handlers.onState('reconnecting', reason);
      }
    });
  }
}

function describe(data: unknown): string | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const parsed = JSON.parse(data) as { code?: string; message?: string };
    return parsed.message ? `${parsed.message}${parsed.code ? ` (${parsed.code})` : ''}` : undefined;
  } catch {
    return data;
  }
}
