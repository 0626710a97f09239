import type { KvRecord } from '../api.js';
import { formatTime, prettyValue } from '../model.js';

export interface KeyDetailProps {
  readonly record: KvRecord;
  /** Set when the shown value changed through the watch while it was open. */
  readonly liveNote: string | undefined;
  onEdit(): void;
  onDelete(): void;
}

/** One key: its value (pretty-printed when JSON), version and times. */
export function KeyDetail({ record, liveNote, onEdit, onDelete }: KeyDetailProps) {
  const shown = prettyValue(record.value);
  return (
    <article class="panel detail" aria-labelledby="detail-key">
      <div class="panel-head">
        <h2 id="detail-key" class="key-name">
          {record.key}
        </h2>
        <div class="actions">
          <button type="button" onClick={onEdit}>
            Edit
          </button>
          <button type="button" class="danger" onClick={onDelete}>
            Delete
          </button>
        </div>
      </div>
      {liveNote && (
        <p class="note" role="status">
          {liveNote}
        </p>
      )}
      <dl class="meta">
        <div>
          <dt>Version</dt>
          <dd data-testid="version">{record.version}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <time dateTime={record.createdAt}>{formatTime(record.createdAt)}</time>
          </dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd>
            <time dateTime={record.updatedAt}>{formatTime(record.updatedAt)}</time>
          </dd>
        </div>
        {record.expiresAt && (
          <div>
            <dt>Expires</dt>
            <dd data-testid="expires">
              <time dateTime={record.expiresAt}>{formatTime(record.expiresAt)}</time>
            </dd>
          </div>
        )}
        <div>
          <dt>Format</dt>
          <dd>{shown.json ? 'JSON' : 'text'}</dd>
        </div>
      </dl>
      <h3 class="sr-only">Value</h3>
      <pre class="value" data-testid="value">
        {shown.text || <span class="muted">(empty)</span>}
      </pre>
    </article>
  );
}
