/* Web storage that never throws (private mode, storage disabled): a missing value reads as null, null removes. */
export function storageGet(store, key) {
  try { return store.getItem(key); } catch (e) { return null; }
}
export function storageSet(store, key, value) {
  try { if (value === null) { store.removeItem(key); } else { store.setItem(key, value); } } catch (e) { /* private mode */ }
}
