// MudDataGrid cannot put attributes on its rows (MudBlazor issue #8065), so each row's first cell carries a marker
// with the run id and this copies it onto the <tr> as data-run-id, the attribute the explorer's DOM contract names.
export function observeRows(container) {
  if (!container) return null;
  const mark = () => {
    for (const marker of container.querySelectorAll("[data-ct-row-id]")) {
      const row = marker.closest("tr");
      if (row && row.dataset.runId !== marker.dataset.ctRowId) row.dataset.runId = marker.dataset.ctRowId;
    }
  };
  mark();
  const observer = new MutationObserver(mark);
  observer.observe(container, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-ct-row-id"] });
  return { dispose: () => observer.disconnect() };
}

export function dispose(handle) {
  if (handle && handle.dispose) handle.dispose();
}
