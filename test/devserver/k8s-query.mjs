// Which objects a list or watch request names: its namespace, labelSelector and fieldSelector.

/** labelSelector: `a=b`, `a==b`, `a!=b`, `a`, `!a`, comma-separated (set-based forms are not simulated). */
export function selects(selector, labels = {}) {
  return selector
    .split(',')
    .filter(Boolean)
    .every((term) => {
      const [, key, operator, value] = term.match(/^\s*(!?[^!=\s]+)\s*(==|=|!=)?\s*(.*?)\s*$/) ?? [];
      if (!operator) return key.startsWith('!') ? !(key.slice(1) in labels) : key in labels;
      return operator === '!=' ? labels[key] !== value : labels[key] === value;
    });
}

/** A predicate over objects for the request's namespace and selectors. */
export function itemFilter(namespace, query) {
  const labelSelector = query.get('labelSelector');
  const fields = (query.get('fieldSelector') ?? '')
    .split(',')
    .filter(Boolean)
    .map((term) => term.split('='));
  return (item) => {
    if (namespace && item.metadata.namespace !== namespace) return false;
    if (labelSelector && !selects(labelSelector, item.metadata.labels)) return false;
    return fields.every(([field, value]) => {
      if (field === 'metadata.name') return item.metadata.name === value;
      if (field === 'metadata.namespace') return item.metadata.namespace === value;
      return true;
    });
  };
}
