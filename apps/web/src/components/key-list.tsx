import { useState } from 'preact/hooks';
import type { KvRecord } from '../api.js';
import { formatTime } from '../model.js';

export interface KeyListProps {
  readonly prefix: string;
  readonly items: readonly KvRecord[];
  readonly hasMore: boolean;
  readonly loading: boolean;
  readonly selected: string | undefined;
  onSearch(prefix: string): void;
  onMore(): void;
  onSelect(key: string): void;
  onNew(): void;
}

/** Prefix search and the keys found, page by page ("Load more" follows the API's cursor). */
export function KeyList(props: KeyListProps) {
  const [text, setText] = useState(props.prefix);
  return (
    <section class="panel list" aria-labelledby="keys-title">
      <div class="panel-head">
        <h2 id="keys-title">Keys</h2>
        <button type="button" class="primary" onClick={props.onNew}>
          New key
        </button>
      </div>
      <search>
        <form
          class="search"
          onSubmit={(e) => {
            e.preventDefault();
            props.onSearch(text);
          }}
        >
          <label for="prefix">Prefix</label>
          <input
            id="prefix"
            type="search"
            value={text}
            placeholder="e.g. user/"
            title="Press / to focus the search"
            autoComplete="off"
            spellcheck={false}
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <button type="submit">Search</button>
        </form>
      </search>
      <p class="muted small" aria-live="polite">
        {props.loading
          ? 'Loading…'
          : `${props.items.length}${props.hasMore ? '+' : ''} key${props.items.length === 1 ? '' : 's'}${
              props.prefix ? ` under “${props.prefix}”` : ''
            }`}
      </p>
      <ul class="keys" aria-label="Keys found">
        {props.items.map((r) => (
          <li key={r.key}>
            <button
              type="button"
              class={`key-row${r.key === props.selected ? ' selected' : ''}`}
              aria-current={r.key === props.selected ? 'true' : undefined}
              onClick={() => props.onSelect(r.key)}
            >
              <span class="key-name">{r.key}</span>
              <span class="key-meta">
                v{r.version} · {formatTime(r.updatedAt)}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {props.hasMore && (
        <button type="button" onClick={props.onMore} disabled={props.loading}>
          Load more
        </button>
      )}
    </section>
  );
}
