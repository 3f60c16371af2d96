// Entry form: checks values as they are typed, saves changed fields in the background, and keeps anything not
// yet saved in the browser (localStorage) so that a closed tab or a lost connection loses nothing.
(function () {
  "use strict";
  const form = document.getElementById("entry-form");
  if (!form || form.dataset.editable !== "1") return;
  const text = JSON.parse(document.getElementById("entry-messages").textContent);
  // How typed text becomes a value: the server's rule (assessments.checks.value_rules), applied as parse_value
  // applies it. Only the check uses it: what the user typed is sent as typed, and the server reads it alike.
  const rules = JSON.parse(document.getElementById("value-rules").textContent);
  const number = new RegExp(rules.number);
  const fullWidth = new RegExp(`[\\u{${rules.full_width.first.toString(16)}}-\\u{${rules.full_width.last.toString(16)}}]`, "gu");
  const halfWidth = (value) => value.replace(fullWidth, (c) => String.fromCodePoint(c.codePointAt(0) - rules.full_width.offset));
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

  // Python's str.rstrip(chars) and str.strip(chars), as parse_value uses them.
  const trimEnd = (value, chars) => {
    let end = value.length;
    while (end > 0 && chars.includes(value[end - 1])) end -= 1;
    return value.slice(0, end);
  };
  const trim = (value, chars) => {
    const kept = trimEnd(value, chars);
    let start = 0;
    while (start < kept.length && chars.includes(kept[start])) start += 1;
    return kept.slice(start);
  };

  // What the input stands for: { value } (null when blank) or, when it is refused, { error } saying why.
  function read(input) {
    const typed = trim(halfWidth(input.value), rules.spaces);
    if (typed === "") return { value: null };
    if (input.dataset.type === "boolean") {
      const word = typed.toLowerCase();
      if (rules.true_words.includes(word)) return { value: 1 };
      if (rules.false_words.includes(word)) return { value: 0 };
      return { error: text.boolean };
    }
    let digits = trimEnd(typed, rules.stripped_at_end);
    for (const char of rules.stripped_anywhere) digits = digits.replaceAll(char, "");
    digits = trim(digits, rules.spaces);
    if (!number.test(digits)) return { error: text.not_a_number };
    const value = Number(digits);
    if (!Number.isFinite(value)) return { error: text.finite };
    if (input.dataset.type === "ordinal" && !Number.isInteger(value)) return { error: text.whole };
    const min = input.dataset.min === "" ? null : Number(input.dataset.min);
    const max = input.dataset.max === "" ? null : Number(input.dataset.max);
    if ((min !== null && value < min) || (max !== null && value > max)) {
      const error = text.range.replace("%(low)s", min === null ? "−∞" : min).replace("%(high)s", max === null ? "∞" : max);
      return { error };
    }
    return { value };
  }

  const check = (input) => read(input).error || "";

  // The line under a field: why its value is refused or, if it is not, whether it jumped since the last period.
  function verdict(input) {
    const { value, error } = read(input);
    if (error) return error;
    const previous = input.dataset.previous === "" ? null : Number(input.dataset.previous);
    if (previous === null || value === null) return "";
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
    } else if (body.code === "values_invalid") {
      for (const [code, reasons] of Object.entries(body.fields || {})) show(code, reasons.join(" "));
      say(body.message, "error");
    } else if (body.code === "stale_version") {
      // The refused input is dropped, so that a reload shows the colleague's values instead of overwriting them.
      halted = true;
      for (const code of Object.keys(entries)) delete pending[code];
      store();
      const lines = (body.changes || []).map((c) => `${c.by || "—"}: ${c.subject} ${JSON.stringify(c.old)} → ${JSON.stringify(c.new)}`);
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
    show(code, verdict(value));
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
      show(code, verdict(value));
      restored += 1;
    }
  }
  if (restored) { say(text.restored.replace("%(count)s", restored), "info"); schedule(); } else { pending = {}; store(); }
})();
