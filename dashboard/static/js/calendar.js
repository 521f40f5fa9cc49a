// The calendar (templates/calendar/day.html). Without this file (or JavaScript) every entry is a
// plain link to its page. With it: open slots and appointments open in the side panel (htmx),
// the panel's forms post there, the day's grid is fetched again after anything posted, and an
// appointment can be dragged onto an open slot of the same practitioner (confirmed first).
(() => {
  const panel = document.getElementById("calendar-panel");
  const layout = document.getElementById("calendar-layout");
  if (!panel || !layout || !window.htmx) return;

  // No inline <style> of htmx's own (the Content-Security-Policy refuses it), no eval, no
  // scripts from answers; a form refused with 400 (the booking form's errors) or 409 is shown in
  // the panel as the page would be. Set before htmx starts (it starts once the page is parsed).
  Object.assign(htmx.config, {
    includeIndicatorStyles: false,
    allowEval: false,
    allowScriptTags: false,
    historyEnabled: false,
    scrollIntoViewOnBoost: false,
    responseHandling: [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "40[09]", swap: true },
      { code: "...", swap: false, error: true },
    ],
  });

  const close = () => {
    panel.replaceChildren();
    layout.classList.remove("cal-has-panel");
  };

  // Forms in the panel answer into the panel: a GET form (the patient search) with its fields
  // alone, as a browser drops the action's query; a form without an action posts to the page it
  // came in (the booking form, to /appointments/new?slot=...).
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target !== panel) return;
    const info = event.detail.pathInfo || {};
    const src = info.responsePath || info.finalRequestPath || info.requestPath || "";
    layout.classList.toggle("cal-has-panel", panel.children.length > 0);
    panel.querySelectorAll("form").forEach((form) => {
      const verb = (form.getAttribute("method") || "get").toLowerCase();
      const action = form.getAttribute("action") || (verb === "get" ? src.split("?")[0] : src);
      form.setAttribute(`hx-${verb === "get" ? "get" : "post"}`, action);
      form.setAttribute("hx-target", "#calendar-panel");
    });
    htmx.process(panel);
    const verb = ((event.detail.requestConfig || {}).verb || "get").toLowerCase();
    if (verb !== "get") htmx.trigger(document.body, "calendar-changed");
    if (window.innerWidth < 992) panel.scrollIntoView({ block: "start" });
  });

  // A phone shows one column at a time: a week opens at today's, not Monday's.
  const showToday = () => {
    const today = document.querySelector(".cal-head-today");
    const box = today && today.closest(".cal-scroll");
    const hours = box && box.querySelector(".cal-corner");
    if (box && box.scrollWidth > box.clientWidth) box.scrollLeft = today.offsetLeft - (hours ? hours.offsetWidth : 0);
  };
  showToday();

  panel.addEventListener("click", (event) => {
    if (event.target.closest("[data-calendar-close]")) close();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && panel.children.length) close();
  });

  // Drag an appointment onto an open slot of the same practitioner: confirm, then post the move.
  let dragged = null;
  const target = (event) => {
    const slot = event.target.closest && event.target.closest("[data-slot]");
    return dragged && slot && slot.dataset.practitioner === dragged.dataset.practitioner ? slot : null;
  };
  document.addEventListener("dragstart", (event) => {
    const entry = event.target.closest && event.target.closest("[draggable=true][data-appointment]");
    if (!entry) return;
    dragged = entry;
    entry.classList.add("cal-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", entry.dataset.appointment);
  });
  document.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("cal-dragging");
    document.querySelectorAll(".cal-drop").forEach((el) => el.classList.remove("cal-drop"));
    dragged = null;
  });
  document.addEventListener("dragover", (event) => {
    const slot = target(event);
    if (!slot) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    slot.classList.add("cal-drop");
  });
  document.addEventListener("dragleave", (event) => {
    const slot = event.target.closest && event.target.closest("[data-slot]");
    if (slot) slot.classList.remove("cal-drop");
  });
  document.addEventListener("drop", (event) => {
    const slot = target(event);
    if (!slot) return;
    event.preventDefault();
    const entry = dragged;
    slot.classList.remove("cal-drop");
    const token = document.getElementById("calendar-csrf");
    if (!window.confirm(`Move ${entry.dataset.patient} to ${slot.dataset.when}? This emails them now.`)) return;
    const grid = entry.closest("[data-move-url]");
    htmx.ajax("POST", grid.dataset.moveUrl.replace("/0/", `/${entry.dataset.appointment}/`), {
      target: "#calendar-panel",
      values: { new_slot_id: slot.dataset.slot, csrf_token: token ? token.value : "" },
    });
  });
})();
