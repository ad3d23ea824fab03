// Run page helpers: one keydown listener for the page's shortcuts, scrolling the virtualized tree, copying links.

const handledKeys = new Set(["j", "k", "Enter", "/", "e", "n", "p", "o", "?", "Escape"]);
const listeners = new Map();
let nextListenerId = 1;

function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") {
    const type = (target.getAttribute("type") || "text").toLowerCase();
    return !["button", "checkbox", "radio", "submit", "reset", "range", "color", "file"].includes(type);
  }
  return false;
}

// Enter on a button or link already activates it; handling it again would undo a toggle.
function isActivatable(target) {
  return target instanceof Element && target.closest("button, a[href], [role=button], summary") !== null;
}

export function registerKeys(dotNetRef) {
  const handler = (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    if (!handledKeys.has(key)) return;
    if (key !== "Escape" && isTyping(event.target)) return;
    if (key === "Enter" && isActivatable(event.target)) return;
    event.preventDefault();
    dotNetRef.invokeMethodAsync("OnKeyAsync", key).catch(() => { });
  };
  document.addEventListener("keydown", handler);
  const id = nextListenerId++;
  listeners.set(id, handler);
  return id;
}

export function unregisterKeys(id) {
  const handler = listeners.get(id);
  if (handler) {
    document.removeEventListener("keydown", handler);
    listeners.delete(id);
  }
}

// Brings row number `index` of a virtualized list with fixed row height into view, centring it when it is off screen.
export function scrollTreeToIndex(container, index, rowHeight) {
  if (!container || index < 0) return;
  const top = index * rowHeight;
  const viewTop = container.scrollTop;
  const viewBottom = viewTop + container.clientHeight;
  if (top >= viewTop && top + rowHeight <= viewBottom) return;
  container.scrollTop = Math.max(0, top - container.clientHeight / 2 + rowHeight / 2);
}

export function scrollIntoView(selector) {
  const element = document.querySelector(selector);
  if (element) element.scrollIntoView({ block: "start", behavior: "instant" });
}

export function scrollToTop(element) {
  if (element) element.scrollTop = 0;
}

export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Fall through to the selection-based copy below.
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}
