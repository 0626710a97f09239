import { useState } from 'preact/hooks';
import { utf8Length } from '../model.js';

export interface KeyEditorProps {
  /** The key being edited; undefined creates a new key. */
  readonly editing: string | undefined;
  readonly initialValue: string;
  readonly busy: boolean;
  /** `ttlSeconds`: the key expires that long after the write; undefined keeps it forever. */
  onSave(key: string, value: string, waitApplied: boolean, ttlSeconds: number | undefined): void;
  onCancel(): void;
}

/** Create or edit a key. The API validates; its messages are shown by the caller. */
export function KeyEditor(props: KeyEditorProps) {
  const [key, setKey] = useState(props.editing ?? '');
  const [value, setValue] = useState(props.initialValue);
  const [waitApplied, setWaitApplied] = useState(true);
  const [ttl, setTtl] = useState('');
  const creating = props.editing === undefined;
  return (
    <form
      class="panel editor"
      aria-labelledby="editor-title"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSave(key, value, waitApplied, ttl.trim() === '' ? undefined : Number(ttl));
      }}
    >
      <h2 id="editor-title">{creating ? 'New key' : `Edit ${props.editing}`}</h2>
      <label for="key-input">Key</label>
      <input
        id="key-input"
        value={key}
        readOnly={!creating}
        required
        autoComplete="off"
        spellcheck={false}
        aria-describedby="key-hint"
        onInput={(e) => setKey(e.currentTarget.value)}
      />
      <span id="key-hint" class="muted small">
        {utf8Length(key)} bytes (1–1024 bytes of UTF-8)
      </span>
      <label for="value-input">Value</label>
      <textarea
        id="value-input"
        value={value}
        rows={10}
        spellcheck={false}
        onInput={(e) => setValue(e.currentTarget.value)}
      />
      <label for="ttl-input">Expire after (seconds, optional)</label>
      <input
        id="ttl-input"
        type="number"
        min={1}
        step={1}
        inputMode="numeric"
        value={ttl}
        aria-describedby="ttl-hint"
        onInput={(e) => setTtl(e.currentTarget.value)}
      />
      <span id="ttl-hint" class="muted small">
        Empty: the key never expires. Saving without a TTL removes an earlier one.
      </span>
      <label class="check">
        <input type="checkbox" checked={waitApplied} onChange={(e) => setWaitApplied(e.currentTarget.checked)} />
        Wait until applied (read-your-writes)
      </label>
      <span class="muted small">
        Waiting also guards your save: it asks before replacing a change someone else made meanwhile.
      </span>
      <div class="actions">
        <button type="submit" class="primary" disabled={props.busy}>
          {props.busy ? 'Saving…' : 'Save'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
