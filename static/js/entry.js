// Entry form: checks values as they are typed, saves changed fields in the background, and keeps anything not
// yet saved in the browser (localStorage) so that a closed tab or a lost connection loses nothing.
(function () {
  "use strict";
  const form = document.getElementById("entry-form");
  if (!form || form.dataset.editable !== "1") return;
  const text = JSON.parse(document.getElementById("entry-messages").textContent);
  const storageKey = form.dataset.storageKey;
  const versionInput = document.getElementById("version");
  const state = document.getElementById("autosave-state");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  let pending = load();
  let timer = null;
  let halted = false;
  let inFlight = false;
  let again = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(storageKey)) || {}; } catch (e) { return {}; }
  }
  function store() {
    try { localStorage.setItem(storageKey, JSON.stringify(pending)); } catch (e) { /* private mode: form still works */ }
  }
  function field(code, kind) { return document.getElementById(kind + "_" + code); }
  function say(message, kind) { state.textContent = message; state.className = "autosave-" + (kind || "info"); }

  function check(input) {
    const raw = input.value.trim();
    if (raw === "") return "";
    const value = Number(raw.replace(/,/g, "").replace(/%$/, ""));
    if (!Number.isFinite(value)) return text.not_a_number;
    if (input.dataset.type === "boolean" && value !== 0 && value !== 1) return text.boolean;
    if (input.dataset.type === "ordinal" && !Number.isInteger(value)) return text.whole;
    const min = input.dataset.min === "" ? null : Number(input.dataset.min);
    const max = input.dataset.max === "" ? null : Number(input.dataset.max);
    if ((min !== null && value < min) || (max !== null && value > max)) {
      return text.range.replace("%(low)s", min === null ? "−∞" : min).replace("%(high)s", max === null ? "∞" : max);
    }
    return "";
  }

  function hint(input) {
    const previous = input.dataset.previous === "" ? null : Number(input.dataset.previous);
    const value = Number(input.value);
    if (previous === null || input.value.trim() === "" || !Number.isFinite(value)) return "";
    const threshold = Number(form.dataset.anomaly);
    const changed = previous === 0 ? value !== 0 : Math.abs(value - previous) / Math.abs(previous) > threshold;
    return changed ? text.anomaly.replace("%(limit)s", Math.round(threshold * 100)).replace("%%", "%") : "";
  }

  function show(code, message) {
    const row = document.getElementById("row-" + code);
    const error = document.getElementById("error-" + code);
    if (!row || !error) return;
    error.textContent = message;
    row.classList.toggle("invalid", Boolean(message));
  }

  function remember(code) {
    pending[code] = { value: field(code, "value").value, note: field(code, "note").value };
    store();
  }

  function schedule() {
    clearTimeout(timer);
    if (!halted) timer = setTimeout(save, 1200);
  }

  // One save at a time: a second one sent before the first answers would carry a stale version.
  async function save() {
    if (inFlight) { again = true; return; }
    inFlight = true;
    try {
      await send();
    } finally {
      inFlight = false;
      if (again && !halted) { again = false; schedule(); }
    }
  }

  async function send() {
    const entries = {};
    for (const [code, entry] of Object.entries(pending)) {
      if (!check(field(code, "value"))) entries[code] = entry;
    }
    if (!Object.keys(entries).length) return;
    say(text.saving);
    let response;
    try {
      response = await fetch(form.dataset.autosave, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ version: Number(versionInput.value), entries: entries }),
      });
    } catch (e) {
      say(text.offline, "error");
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      versionInput.value = body.version;
      document.querySelectorAll("input[name=version]").forEach((input) => { input.value = body.version; });
      for (const code of Object.keys(entries)) {
        if (pending[code] && pending[code].value === entries[code].value && pending[code].note === entries[code].note) {
          delete pending[code];
        }
      }
      store();
      progress(body);
      findings(body.findings);
      say(text.saved + " " + new Date().toLocaleTimeString(), "ok");
    } else if (response.status === 400 && body.errors) {
      for (const [code, message] of Object.entries(body.errors)) show(code, message);
      say(body.message, "error");
    } else if (response.status === 409) {
      // The refused input is dropped, so that a reload shows the colleague's values instead of overwriting them.
      halted = true;
      for (const code of Object.keys(entries)) delete pending[code];
      store();
      const lines = (body.changes || []).map((c) => `${c.who}: ${c.subject} ${JSON.stringify(c.old)} → ${JSON.stringify(c.new)}`);
      say(body.message + (lines.length ? "\n" + lines.join("\n") : ""), "error");
    } else {
      halted = true;
      say(body.message || text.failed, "error");
    }
  }

  function progress(body) {
    document.getElementById("filled").textContent = body.filled;
    document.getElementById("progress").value = body.filled;
    for (const [dimension, filled] of Object.entries(body.dimensions || {})) {
      const counter = document.querySelector(`.dimension-filled[data-dimension="${dimension}"]`);
      if (counter) counter.textContent = filled;
    }
  }

  function findings(items) {
    const section = document.getElementById("findings");
    const list = section.querySelector("ul");
    list.replaceChildren(...(items || []).map((f) => {
      const li = document.createElement("li");
      li.className = "finding " + f.kind + (f.blocking ? "" : " explained");
      li.textContent = f.message;
      return li;
    }));
    section.hidden = !(items || []).length;
  }

  form.addEventListener("input", (event) => {
    const row = event.target.closest(".indicator");
    if (!row) return;
    const code = row.dataset.code;
    const value = field(code, "value");
    show(code, check(value) || hint(value));
    remember(code);
    schedule();
  });

  form.addEventListener("submit", (event) => {
    const invalid = [...form.querySelectorAll("input[data-type]")].filter((input) => check(input));
    invalid.forEach((input) => show(input.closest(".indicator").dataset.code, check(input)));
    if (invalid.length) {
      event.preventDefault();
      invalid[0].focus();
      say(text.fix_first, "error");
      return;
    }
    clearTimeout(timer);
    pending = {};
    store();
  });

  window.addEventListener("beforeunload", (event) => {
    if (Object.keys(pending).length && !halted) {
      save();
      event.preventDefault();
    }
  });

  // Input kept from an earlier visit that never reached the server: put it back and save it.
  let restored = 0;
  for (const [code, entry] of Object.entries(pending)) {
    const value = field(code, "value");
    if (!value) { delete pending[code]; continue; }
    if (value.value !== entry.value || field(code, "note").value !== entry.note) {
      value.value = entry.value;
      field(code, "note").value = entry.note;
      show(code, check(value) || hint(value));
      restored += 1;
    }
  }
  if (restored) { say(text.restored.replace("%(count)s", restored), "info"); schedule(); } else { pending = {}; store(); }
})();
