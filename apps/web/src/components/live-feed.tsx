import type { Change } from '../model.js';
import { formatTime } from '../model.js';

/** The most recent changes seen on the watch, newest first. */
export function LiveFeed({ changes }: { readonly changes: readonly Change[] }) {
  return (
    <section class="panel feed" aria-labelledby="feed-title">
      <h2 id="feed-title">Live changes</h2>
      {changes.length === 0 ? (
        <p class="muted small">No changes since this page opened. Writes by anyone appear here.</p>
      ) : (
        <ol class="changes" data-testid="live-feed">
          {changes.map((c) => (
            <li key={`${c.key}@${c.version}`}>
              <span class={`op ${c.op}`}>{c.op}</span> <span class="key-name">{c.key}</span>
              <span class="muted small">
                {' '}
                v{c.version} · <time dateTime={new Date(c.timestamp).toISOString()}>{formatTime(c.timestamp)}</time>
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
