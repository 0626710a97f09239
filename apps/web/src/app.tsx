import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import {
  ApiError,
  deleteKey,
  getHealth,
  getKey,
  getReady,
  type KvRecord,
  listKeys,
  putKey,
  type Readiness,
  type WriteAnswer,
  type WriteCondition,
  watchUrl,
} from './api.js';
import { ConfirmDialog } from './components/confirm-dialog.js';
import { KeyDetail } from './components/key-detail.js';
import { KeyEditor } from './components/key-editor.js';
import { KeyList } from './components/key-list.js';
import { LiveFeed } from './components/live-feed.js';
import { StatusBar } from './components/status-bar.js';
import { applyChange, type Change, formatTime, newer } from './model.js';
import { applyTheme, loadTheme, nextTheme } from './theme.js';
import { PrefixWatch, type WatchState } from './watch.js';

const PAGE_SIZE = 50;
const FEED_SIZE = 30;
const STATUS_POLL_MS = 5000;

/** `items` with `changes` applied in order (each only if newer than what `items` holds). */
function replay(items: KvRecord[], changes: readonly Change[], prefix: string, complete: boolean): KvRecord[] {
  return changes.reduce((acc, change) => applyChange(acc, change, prefix, complete), items);
}

/** `edit` remembers the version the user started from: saving asks before it would replace a newer one. */
type Mode =
  | { kind: 'none' }
  | { kind: 'view'; key: string }
  | { kind: 'edit'; key: string; baseVersion: string }
  | { kind: 'new' };

/** A save refused because the key changed (or was created) since the user started: theirs or mine? */
interface Conflict {
  readonly key: string;
  readonly value: string;
  readonly waitApplied: boolean;
  readonly ttlSeconds: number | undefined;
}

/** The last write this page made, until the watch shows it applied. */
interface LastWrite extends WriteAnswer {
  readonly op: 'put' | 'delete';
}

export function App() {
  const [theme, setTheme] = useState(loadTheme);
  const [health, setHealth] = useState<'ok' | 'down' | 'unknown'>('unknown');
  const [ready, setReady] = useState<Readiness>();
  const [watch, setWatch] = useState<{ state: WatchState; detail?: string | undefined }>({ state: 'connecting' });

  const [prefix, setPrefix] = useState('');
  const [items, setItems] = useState<KvRecord[]>([]);
  const [cursor, setCursor] = useState<string>();
  const [loading, setLoading] = useState(false);

  const [mode, setMode] = useState<Mode>({ kind: 'none' });
  const [record, setRecord] = useState<KvRecord>();
  const [liveNote, setLiveNote] = useState<string>();
  const [confirming, setConfirming] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [lastWrite, setLastWrite] = useState<LastWrite>();
  const [feed, setFeed] = useState<Change[]>([]);
  const [conflict, setConflict] = useState<Conflict>();

  // The watch callback outlives renders; it reads the current view through refs.
  const view = useRef({ prefix, cursor, mode, feed });
  view.current = { prefix, cursor, mode, feed };

  useEffect(() => applyTheme(theme), [theme]);

  const fail = useCallback((err: unknown) => {
    setError(err instanceof ApiError ? err : new ApiError('UI_ERROR', String(err), 0));
  }, []);

  /**
   * Changes the watch delivered while a list request was in flight, one buffer per request: its page may have been
   * read before them and would otherwise replace what the watch had already shown (a key written just then vanished
   * from the list until the next change).
   */
  const inFlight = useRef(new Set<Change[]>());
  const listPage = useCallback(async (forPrefix: string, after?: string) => {
    const missed: Change[] = [];
    inFlight.current.add(missed);
    try {
      const page = await listKeys(forPrefix, PAGE_SIZE, after);
      return { page, replay: (items: KvRecord[]) => replay(items, missed, forPrefix, page.cursor === undefined) };
    } finally {
      inFlight.current.delete(missed);
    }
  }, []);

  /**
   * Loads the first page of `forPrefix`, or with `after` the next one onto the rows shown. A page is shown only if its
   * prefix is still the one searched: a slower answer for an earlier search must not replace the current list.
   */
  const load = useCallback(
    async (forPrefix: string, after?: string) => {
      const current = () => view.current.prefix === forPrefix;
      setLoading(true);
      try {
        const { page, replay } = await listPage(forPrefix, after);
        if (!current()) return;
        setItems((prev) => replay(after === undefined ? page.items : [...prev, ...page.items]));
        setCursor(page.cursor);
      } catch (err) {
        if (current()) fail(err);
      } finally {
        if (current()) setLoading(false);
      }
    },
    [fail, listPage],
  );

  const loadMore = () => (cursor ? load(prefix, cursor) : undefined);

  // Health and readiness, polled.
  useEffect(() => {
    const poll = async () => {
      setHealth(
        await getHealth().then(
          (h) => (h.status === 'ok' ? 'ok' : 'down'),
          () => 'down',
        ),
      );
      setReady(await getReady().catch(() => undefined));
    };
    void poll();
    const timer = setInterval(poll, STATUS_POLL_MS);
    return () => clearInterval(timer);
  }, []);

  // The list of the current prefix, kept live by a watch of that prefix.
  useEffect(() => {
    void load(prefix);
    const onChange = (change: Change) => {
      for (const missed of inFlight.current) missed.push(change);
      const current = view.current;
      setItems((prev) => applyChange(prev, change, current.prefix, current.cursor === undefined));
      setFeed((prev) => [change, ...prev].slice(0, FEED_SIZE));
      setLastWrite((w) =>
        w && w.status === 'pending' && w.key === change.key && !newer(w.version, change.version)
          ? { ...w, status: 'applied' }
          : w,
      );
      const open = current.mode.kind === 'view' || current.mode.kind === 'edit' ? current.mode.key : undefined;
      if (open !== change.key) return;
      setRecord((prev) => {
        const [next] = applyChange(prev ? [prev] : [], change, '', true);
        if (next === prev) return prev;
        setLiveNote(
          change.op === 'delete'
            ? `Deleted at ${formatTime(change.timestamp)} (version ${change.version}).`
            : `Updated live at ${formatTime(change.timestamp)} (version ${change.version}).`,
        );
        return next;
      });
    };
    const live = new PrefixWatch(() => watchUrl(prefix), {
      onChange,
      onState: (state, detail) => setWatch({ state, detail }),
      onResync: () => void load(view.current.prefix),
    });
    return () => live.close();
  }, [prefix, load]);

  const select = async (key: string) => {
    setMode({ kind: 'view', key });
    setLiveNote(undefined);
    setError(undefined);
    setConflict(undefined);
    try {
      setRecord(await getKey(key));
    } catch (err) {
      setRecord(undefined);
      fail(err);
    }
  };

  /**
   * Saves the editor. Waiting until applied, the save is conditional — on the version the edit started from, or on
   * the key not existing yet — so it never silently replaces a change made by someone else meanwhile; `overwrite`
   * (the user's answer to that conflict) saves unconditionally. Without the wait the outcome of a condition would not
   * be known, so the save is unconditional, as the editor's hint says.
   */
  const save = async (
    key: string,
    value: string,
    waitApplied: boolean,
    ttlSeconds: number | undefined,
    overwrite = false,
  ) => {
    setBusy(true);
    setError(undefined);
    setConflict(undefined);
    const condition: WriteCondition | undefined =
      overwrite || !waitApplied ? undefined : mode.kind === 'edit' ? { version: mode.baseVersion } : { absent: true };
    try {
      const answer = await putKey(key, value, waitApplied, ttlSeconds, condition);
      // The watch may deliver the write before its answer arrives: then it is already applied.
      const seen = view.current.feed.some((c) => c.key === key && !newer(answer.version, c.version));
      setLastWrite({ ...answer, status: seen ? 'applied' : answer.status, op: 'put' });
      const change: Change = {
        op: 'put',
        key,
        value,
        version: answer.version,
        timestamp: Date.now(),
        ...(answer.expiresAt ? { expiresAt: Date.parse(answer.expiresAt) } : {}),
      };
      setItems((prev) => applyChange(prev, change, prefix, cursor === undefined));
      setRecord((prev) => applyChange(prev?.key === key ? [prev] : [], change, '', true)[0]);
      setLiveNote(undefined);
      setMode({ kind: 'view', key });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'KV_ERR_PRECONDITION_FAILED') {
        setConflict({ key, value, waitApplied, ttlSeconds });
      } else {
        fail(err);
      }
    } finally {
      setBusy(false);
    }
  };

  const remove = async (key: string) => {
    setConfirming(undefined);
    setError(undefined);
    try {
      const answer = await deleteKey(key, true);
      setLastWrite({ ...answer, op: 'delete' });
      setItems((prev) => prev.filter((r) => r.key !== key));
      setRecord(undefined);
      setMode({ kind: 'none' });
    } catch (err) {
      fail(err);
    }
  };

  // "/" focuses the prefix search, as in many consoles.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (e.key !== '/' || target?.closest('input, textarea, [contenteditable]')) return;
      e.preventDefault();
      document.getElementById('prefix')?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const openKey = mode.kind === 'view' ? mode.key : undefined;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <StatusBar
        health={health}
        ready={ready}
        watch={watch.state}
        watchDetail={watch.detail}
        theme={theme}
        onTheme={() => setTheme(nextTheme(theme))}
      />
      <main id="main" class="layout">
        <KeyList
          prefix={prefix}
          items={items}
          hasMore={cursor !== undefined}
          loading={loading}
          selected={openKey}
          onSearch={(p) => {
            if (p === prefix) {
              void load(p);
              return;
            }
            // The rows of the previous prefix go at once, rather than staying under the new heading until its page
            // arrives, and so does its watch's "Live": the new prefix is watched only once its own watch opens. The
            // effect of the new prefix loads it and watches it.
            view.current = { ...view.current, prefix: p, cursor: undefined };
            setItems([]);
            setCursor(undefined);
            setWatch({ state: 'connecting' });
            setPrefix(p);
          }}
          onMore={loadMore}
          onSelect={select}
          onNew={() => {
            setError(undefined);
            setConflict(undefined);
            setMode({ kind: 'new' });
          }}
        />
        <div class="side">
          {error && (
            <div class="error" role="alert">
              <strong>{error.status ? `Error ${error.status}` : 'Error'}:</strong> {error.message}{' '}
              <code class="small">{error.code}</code>
              <button type="button" class="ghost small" onClick={() => setError(undefined)} aria-label="Dismiss error">
                ✕
              </button>
            </div>
          )}
          {lastWrite && (
            <p class={`write-state ${lastWrite.status}`} role="status" data-testid="write-state">
              {lastWrite.op === 'put' ? 'Saved' : 'Deleted'} <span class="key-name">{lastWrite.key}</span> — version{' '}
              {lastWrite.version}: <strong>{lastWrite.status}</strong>
              {lastWrite.status === 'pending' && <span class="muted"> (durably queued; applies shortly)</span>}
            </p>
          )}
          {mode.kind === 'edit' && liveNote && !conflict && (
            <p class="note" role="status">
              {liveNote} Saving (waiting until applied) asks before replacing it.
            </p>
          )}
          {conflict && (mode.kind === 'edit' || mode.kind === 'new') && (
            <div class="error conflict" role="alert" data-testid="conflict">
              <p>
                <span class="key-name">{conflict.key}</span>{' '}
                {mode.kind === 'new'
                  ? 'was created by someone else meanwhile.'
                  : 'was changed by someone else since you started editing.'}{' '}
                Nothing was saved.
              </p>
              <div class="actions">
                <button
                  type="button"
                  class="primary"
                  disabled={busy}
                  onClick={() =>
                    void save(conflict.key, conflict.value, conflict.waitApplied, conflict.ttlSeconds, true)
                  }
                >
                  Overwrite with mine
                </button>
                <button
                  type="button"
                  onClick={() => {
                    setConflict(undefined);
                    void select(conflict.key);
                  }}
                >
                  Discard mine
                </button>
              </div>
            </div>
          )}
          {mode.kind === 'new' || mode.kind === 'edit' ? (
            <KeyEditor
              key={mode.kind === 'edit' ? `edit:${mode.key}` : 'new'}
              editing={mode.kind === 'edit' ? mode.key : undefined}
              initialValue={mode.kind === 'edit' ? (record?.value ?? '') : ''}
              busy={busy}
              onSave={save}
              onCancel={() => {
                setConflict(undefined);
                setMode(record ? { kind: 'view', key: record.key } : { kind: 'none' });
              }}
            />
          ) : mode.kind === 'view' && record?.key === mode.key ? (
            <KeyDetail
              record={record}
              liveNote={liveNote}
              onEdit={() => {
                setLiveNote(undefined);
                setMode({ kind: 'edit', key: record.key, baseVersion: record.version });
              }}
              onDelete={() => setConfirming(record.key)}
            />
          ) : mode.kind === 'view' && liveNote ? (
            <p class="panel note" role="status">
              <span class="key-name">{mode.key}</span>: {liveNote}
            </p>
          ) : (
            <p class="panel muted">Select a key to see its value, or create a new one.</p>
          )}
          <LiveFeed changes={feed} />
        </div>
      </main>
      {confirming !== undefined && (
        <ConfirmDialog
          message={`Delete the key “${confirming}”? This cannot be undone.`}
          confirmLabel="Delete"
          onConfirm={() => void remove(confirming)}
          onCancel={() => setConfirming(undefined)}
        />
      )}
    </>
  );
}
