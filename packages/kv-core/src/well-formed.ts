// String.prototype.isWellFormed (ES2024) is in every Node this project supports, but the TypeScript lib in use
// does not declare it yet.
declare global {
  interface String {
    isWellFormed(): boolean;
  }
}

export {};
