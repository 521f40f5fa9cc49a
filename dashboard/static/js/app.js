// Forms: a loading state, and no second submission while the first is on its way.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.submitting === "1") {
    event.preventDefault();
    return;
  }
  form.dataset.submitting = "1";
  const button = event.submitter || form.querySelector("button[type=submit]");
  if (button) {
    button.classList.add("is-loading");
    button.setAttribute("aria-busy", "true");
    if (button.dataset.loadingText) {
      button.dataset.originalHtml = button.innerHTML;
      button.innerHTML = '<span class="spinner-border spinner-border-sm me-1" aria-hidden="true"></span>';
      button.append(document.createTextNode(button.dataset.loadingText));
    }
  }
  // Disable after the browser has collected the form data (a disabled button's value is not sent).
  setTimeout(() => form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; }), 0);
});

// Coming back with the browser's Back button must not leave forms stuck in their loading state.
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  document.querySelectorAll("form[data-submitting]").forEach((form) => {
    delete form.dataset.submitting;
    form.querySelectorAll("button[type=submit]").forEach((b) => {
      b.disabled = false;
      b.classList.remove("is-loading");
      b.removeAttribute("aria-busy");
      if (b.dataset.originalHtml) b.innerHTML = b.dataset.originalHtml;
    });
  });
});

// A table or text wider than the screen scrolls inside its box: keyboard users reach it with Tab
// and scroll it with the arrow keys (axe's scrollable-region-focusable).
function focusableScrollers() {
  document.querySelectorAll(".table-responsive, pre").forEach((box) => {
    const scrolls = box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight;
    if (scrolls && !box.hasAttribute("tabindex")) box.tabIndex = 0;
  });
}
focusableScrollers();
window.addEventListener("resize", focusableScrollers);

// The bell: refresh the badge and the dropdown without reloading the page.
(() => {
  const bell = document.getElementById("bell");
  if (!bell) return;
  const badge = bell.querySelector("[data-testid=bell-count]");
  const items = bell.querySelector(".bell-items");
  const POLL_MS = 30000;

  async function refresh() {
    try {
      const response = await fetch(bell.dataset.bellUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return;
      const data = await response.json();
      badge.textContent = data.unread;
      badge.classList.toggle("d-none", data.unread === 0);
      items.innerHTML = data.html;  // rendered and escaped by the server's templates
    } catch (err) {
      // Offline for a moment: the next poll tries again.
    }
  }

  bell.addEventListener("show.bs.dropdown", refresh);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
  refresh();
  setInterval(() => { if (!document.hidden) refresh(); }, POLL_MS);
})();
