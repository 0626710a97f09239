import { operatorChartFiles } from './operator-chart.js';
import { platformChartFiles } from './platform-chart.js';

/** Every generated chart file by repository path. */
export function chartFiles(): Record<string, string> {
  return { ...platformChartFiles(), ...operatorChartFiles() };
}
