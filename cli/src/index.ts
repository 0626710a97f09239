export { configTableMarkdown, platformConfigSpecs } from './commands/config.js';
export { type StartedPlatform, startPlatform } from './commands/start.js';
