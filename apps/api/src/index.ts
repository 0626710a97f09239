export { type ApiConfig, type ApiDeps, buildApi } from './app.js';
export { apiConfigSpec } from './config.js';
export { type RunningApi, startApi } from './server.js';
