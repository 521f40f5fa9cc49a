// The patient chooser as you type: the search box of _patient_chooser.html becomes an ARIA
// combobox over /patients/find (JSON, up to 10 matches). Arrows move, Enter picks, Esc closes;
// picking checks (or adds) the patient's radio button in the form below. Without JavaScript the
// search button and the radio list work as they always did.
(() => {
  const DELAY = 150;

  function optionText(patient) {
    const facts = [patient.number];
    if (patient.born) facts.push("born " + patient.born);
    if (patient.phone) facts.push(patient.phone);
    return facts.join(" · ");
  }

  function choose(fieldset, patient) {
    const name = fieldset.dataset.field;
    let radio = fieldset.querySelector(`input[type=radio][value="${patient.id}"]`);
    if (!radio) {
      const row = document.createElement("div");
      row.className = "form-check";
      radio = document.createElement("input");
      radio.className = "form-check-input";
      radio.type = "radio";
      radio.name = name;
      radio.value = String(patient.id);
      radio.id = "patient-" + patient.id;
      const label = document.createElement("label");
      label.className = "form-check-label";
      label.htmlFor = radio.id;
      label.textContent = patient.name + " ";
      const muted = document.createElement("span");
      muted.className = "text-muted";
      muted.textContent = "· " + optionText(patient);
      label.append(muted);
      row.append(radio, label);
      const legend = fieldset.querySelector("legend");
      legend.after(row);
      fieldset.querySelectorAll("[data-no-matches]").forEach((p) => p.remove());
    }
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function setUp(input) {
    const fieldset = document.getElementById(input.dataset.choices);
    if (!fieldset) return;
    const list = document.createElement("ul");
    list.id = input.id + "-listbox";
    list.className = "list-group position-absolute start-0 end-0 shadow z-3 patient-chooser-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Matching patients");
    list.hidden = true;
    input.parentElement.classList.add("position-relative");
    input.after(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");

    let matches = [];
    let active = -1;
    let timer = null;
    let asked = 0;

    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      list.querySelectorAll("[role=option]").forEach((option, i) => {
        option.classList.toggle("active", i === index);
        option.setAttribute("aria-selected", i === index ? "true" : "false");
        if (i === index) {
          input.setAttribute("aria-activedescendant", option.id);
          option.scrollIntoView({ block: "nearest" });
        }
      });
      if (index < 0) input.removeAttribute("aria-activedescendant");
    }

    function pick(index) {
      const patient = matches[index];
      if (!patient) return;
      choose(fieldset, patient);
      input.value = patient.name;
      close();
    }

    function show(found) {
      matches = found;
      list.replaceChildren();
      found.forEach((patient, i) => {
        const option = document.createElement("li");
        option.id = `${list.id}-${i}`;
        option.className = "list-group-item list-group-item-action text-break";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.patientId = String(patient.id);
        const name = document.createElement("div");
        name.className = "fw-semibold";
        name.textContent = patient.name;
        const facts = document.createElement("div");
        facts.className = "small text-body-secondary";
        facts.textContent = optionText(patient);
        option.append(name, facts);
        option.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus
        option.addEventListener("click", () => pick(i));
        list.append(option);
      });
      if (!found.length) {
        const none = document.createElement("li");
        none.className = "list-group-item text-body-secondary";
        none.textContent = "No patients match.";
        list.append(none);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
    }

    async function search() {
      const q = input.value.trim();
      if (q.length < 2) {
        close();
        return;
      }
      const ticket = ++asked;
      try {
        const response = await fetch(`${input.dataset.url}?q=${encodeURIComponent(q)}`, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (!response.ok || ticket !== asked) return;
        const body = await response.json();
        if (ticket === asked && document.activeElement === input) show(body.patients);
      } catch (error) {
        close(); // the search button still works
      }
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(search, DELAY);
    });
    input.addEventListener("keydown", (event) => {
      const open = !list.hidden && matches.length > 0;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (open) highlight((active + 1) % matches.length);
        else search();
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault();
        highlight(active <= 0 ? matches.length - 1 : active - 1);
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault(); // picks instead of submitting the search
        pick(active);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", () => setTimeout(close, 100));
  }

  function setUpWithin(root) {
    root.querySelectorAll("input[data-patient-chooser]").forEach((input) => {
      if (input.dataset.chooserReady) return; // a panel swapped in again: set up once
      input.dataset.chooserReady = "1";
      setUp(input);
    });
  }

  setUpWithin(document);
  // The calendar's panels (htmx) bring their booking form in without running its scripts.
  document.addEventListener("htmx:load", (event) => setUpWithin(event.detail.elt));
})();
