/** A record as `GET /kv?key=` returns it. */
export interface KvRecord {
  readonly key: string;
  readonly value: string;
  readonly version: string;
}

/** What `PUT` and `DELETE /kv` answer. */
export interface WriteAnswer {
  readonly key: string;
  readonly version: string;
  readonly status: 'pending' | 'applied';
}

/** The REST API's KV routes, as a user's client calls them. */
export class RestClient {
  private readonly auth: Record<string, string>;

  /** `token`: sent as `Authorization: Bearer` (as `?access_token=` on the watch, as a browser's EventSource must). */
  constructor(
    private readonly baseUrl: string,
    private readonly token?: string,
  ) {
    this.auth = token ? { authorization: `Bearer ${token}` } : {};
  }

  /** `PUT /kv`; `applied` waits until every read sees it (200), otherwise 202 once durably accepted. */
  async put(key: string, value: string, applied = false): Promise<{ status: number; body: WriteAnswer }> {
    const res = await fetch(`${this.baseUrl}/kv${applied ? '?wait=applied' : ''}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...this.auth },
      body: JSON.stringify({ key, value }),
    });
    return { status: res.status, body: (await res.json()) as WriteAnswer };
  }

  /** `GET /kv?key=`: the record, or undefined on 404. */
  async get(key: string): Promise<KvRecord | undefined> {
    const res = await fetch(`${this.baseUrl}/kv?key=${encodeURIComponent(key)}`, { headers: this.auth });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`GET ${key} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as KvRecord;
  }

  async delete(key: string, applied = false): Promise<{ status: number; body: WriteAnswer }> {
    const res = await fetch(`${this.baseUrl}/kv?key=${encodeURIComponent(key)}${applied ? '&wait=applied' : ''}`, {
      method: 'DELETE',
      headers: this.auth,
    });
    return { status: res.status, body: (await res.json()) as WriteAnswer };
  }

  /** `GET /kv/watch?prefix=` (Server-Sent Events): each change is passed on as `{ op, key, value? }`. */
  watchPrefix(prefix: string, onChange: (change: WatchedChange) => void): SseWatch {
    const token = this.token ? `&access_token=${encodeURIComponent(this.token)}` : '';
    return new SseWatch(`${this.baseUrl}/kv/watch?prefix=${encodeURIComponent(prefix)}${token}`, onChange);
  }
}

export interface WatchedChange {
  readonly op: string;
  readonly key: string;
  readonly value?: string;
}

/** One open SSE stream; `opened` resolves once the server answered 200. */
export class SseWatch {
  private readonly controller = new AbortController();
  readonly opened: Promise<void>;

  constructor(url: string, onChange: (change: WatchedChange) => void) {
    this.opened = fetch(url, { signal: this.controller.signal }).then((res) => {
      if (res.status !== 200 || !res.body) throw new Error(`watch answered ${res.status}`);
      void this.read(res.body, onChange);
    });
  }

  private async read(body: ReadableStream<Uint8Array>, onChange: (change: WatchedChange) => void): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const op = /^event: (.*)$/m.exec(event)?.[1];
          const data = /^data: (.*)$/m.exec(event)?.[1];
          if (op && data && op !== 'error') onChange({ op, ...(JSON.parse(data) as { key: string; value?: string }) });
        }
      }
    } catch {
      // Aborted by close().
    }
  }

  close(): void {
    this.controller.abort();
  }
}
