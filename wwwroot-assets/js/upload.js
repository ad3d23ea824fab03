// The relative paths the browser gives for files picked from a folder (webkitdirectory), in the input's order.
// Blazor's IBrowserFile carries only the name, so the page asks for these to keep a run folder's layout.
export function relativePaths(input) {
  const files = input && input.files ? Array.from(input.files) : [];
  return files.map(f => f.webkitRelativePath || "");
}
