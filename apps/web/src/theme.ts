/** `system` follows prefers-color-scheme; `light` and `dark` override it. Kept in localStorage. */
export type Theme = 'system' | 'light' | 'dark';

const STORAGE_KEY = 'kverse-theme';
const ORDER: readonly Theme[] = ['system', 'light', 'dark'];

export function loadTheme(): Theme {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  return saved === 'light' || saved === 'dark' ? saved : 'system';
}

export function applyTheme(theme: Theme): void {
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
  localStorage.setItem(STORAGE_KEY, theme);
}

export const nextTheme = (theme: Theme): Theme => ORDER[(ORDER.indexOf(theme) + 1) % ORDER.length] ?? 'system';
