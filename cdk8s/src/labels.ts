/** Labels every KVerse object carries (the Kubernetes recommended set). */
export function commonLabels(instance: string, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'kverse',
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'kverse',
  };
}

/** The subset that selects a component's pods; never changes over an object's life (selectors are immutable). */
export function selectorLabels(instance: string, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'kverse',
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/component': component,
  };
}
