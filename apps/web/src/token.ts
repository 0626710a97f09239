/**
 * The bearer token the UI sends when the API requires one (docs/auth.md). It is asked for when the API first
 * answers 401 and kept in this browser's localStorage, so it is asked for once per browser, not per page load.
 */

const STORAGE_KEY = 'kverse.token';

let pending: Promise<string | undefined> | undefined;

/** The stored token, if any. */
export function storedToken(): string | undefined {
  try {
    return localStorage.getItem(STORAGE_KEY) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Asks for a token after a 401 (once, however many requests were refused at the same time) and stores it. A token
 * that was just refused is forgotten first. Resolves to undefined when the user cancels.
 */
export function askForToken(refused: string | undefined): Promise<string | undefined> {
  pending ??= Promise.resolve().then(() => {
    if (refused !== undefined && storedToken() === refused) localStorage.removeItem(STORAGE_KEY);
    const current = storedToken();
    if (current !== undefined && current !== refused) return current;
    const entered = window
      .prompt(
        refused === undefined
          ? 'This KVerse API requires a bearer token. Enter yours (it is kept in this browser):'
          : 'That token was not accepted. Enter another bearer token:',
      )
      ?.trim();
    if (entered) localStorage.setItem(STORAGE_KEY, entered);
    return entered || undefined;
  });
  const asked = pending;
  void asked.finally(() => {
    if (pending === asked) pending = undefined;
  });
  return asked;
}

/** Forgets the stored token (a "sign out"). */
export function forgetToken(): void {
  localStorage.removeItem(STORAGE_KEY);
}
