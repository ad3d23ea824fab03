// Dark mode choice, remembered per browser. Read by ThemeState after the first interactive render.
const key = "codetracer.dark";

export function getDark() {
  try {
    const stored = window.localStorage.getItem(key);
    if (stored === "true") return true;
    if (stored === "false") return false;
  } catch {
    // Storage can be disabled (private mode, policies): fall back to the system preference.
  }
  return !!(window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches);
}

export function setDark(dark) {
  try {
    window.localStorage.setItem(key, dark ? "true" : "false");
  } catch {
    // Not remembered, but the page still switches.
  }
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}
