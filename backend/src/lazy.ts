/**
 * A module loaded on first use, once. The AWS SDK clients cost about 100 ms and 5–10 MiB each to
 * load; most of them serve features a session may never use (task secrets, SSO sign-in), so they
 * are not loaded at start (issue 13: start to serving, memory).
 */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load();
    // A failed load (an incomplete install) is tried again next time, not remembered.
    loading.catch(() => (loading = undefined));
    return loading;
  };
}
