/**
 * Saves text as a file through a blob link: works in a browser tab and in Docker Desktop's
 * renderer alike (no server round trip, no navigation away from the page).
 */
export function downloadText(filename: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  try {
    a.click();
  } finally {
    a.remove();
    // Some browsers start reading the blob after click() returns.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
