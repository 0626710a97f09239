import type { Readiness } from '../api.js';
import type { Theme } from '../theme.js';
import type { WatchState } from '../watch.js';

export interface StatusBarProps {
  readonly health: 'ok' | 'down' | 'unknown';
  readonly ready: Readiness | undefined;
  readonly watch: WatchState;
  readonly watchDetail: string | undefined;
  readonly theme: Theme;
  onTheme(): void;
}

const WATCH_TEXT: Record<WatchState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected',
};

/** The header: what the API reports about itself, the live connection, and the theme switch. */
export function StatusBar(props: StatusBarProps) {
  const readyStatus = props.ready?.status ?? 'unknown';
  const readyDetail = props.ready
    ? Object.entries(props.ready.checks)
        .map(([name, c]) => `${name}: ${c.ok ? 'ok' : 'down'}${c.detail ? ` (${c.detail})` : ''}`)
        .join(', ')
    : 'not checked yet';
  return (
    <header class="bar">
      <h1>
        KVerse <span class="muted">keys</span>
      </h1>
      <ul class="badges" aria-label="Service state">
        <li class={`badge ${props.health === 'ok' ? 'ok' : props.health === 'down' ? 'bad' : ''}`}>
          <span class="dot" aria-hidden="true" />
          Health: <strong data-testid="health">{props.health}</strong>
        </li>
        <li
          class={`badge ${readyStatus === 'ready' ? 'ok' : readyStatus === 'degraded' ? 'warn' : 'bad'}`}
          title={readyDetail}
        >
          <span class="dot" aria-hidden="true" />
          Ready: <strong data-testid="ready">{readyStatus}</strong>
          <span class="sr-only"> — {readyDetail}</span>
        </li>
        <li
          class={`badge ${props.watch === 'live' ? 'ok' : props.watch === 'closed' ? 'bad' : 'warn'}`}
          role="status"
          title={props.watchDetail}
        >
          <span class="dot" aria-hidden="true" />
          Watch: <strong data-testid="watch-state">{WATCH_TEXT[props.watch]}</strong>
          {props.watchDetail && <span class="sr-only"> — {props.watchDetail}</span>}
        </li>
      </ul>
      <button type="button" class="ghost" onClick={props.onTheme} aria-label={`Theme: ${props.theme}. Change theme`}>
        {props.theme === 'dark' ? '☾' : props.theme === 'light' ? '☀' : '◐'} {props.theme}
      </button>
    </header>
  );
}
