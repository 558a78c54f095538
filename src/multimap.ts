// Grouping values by key. Copying a group's array to add each value (`[...(m.get(k) ?? []), v]`)
// is quadratic in the group's size: a lineage graph of 8,000 datasets has columns and
// neighbour lists that large (seconds in a browser tab).

/** Appends `value` to the list of `key` in `map`, creating the list on first use. */
export function addTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
