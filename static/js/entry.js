// Entry form: checks values as they are typed, saves changed fields in the background, and keeps anything not
// yet saved in the browser (localStorage) so that a closed tab or a lost connection loses nothing: it is saved
// when the connection is back (the "online" event, and retries with growing delays). A save refused because
// someone else saved first keeps the user's input in the fields, beside what the other person changed (the
// server's words, "conflict_html"), until the user saves it again or discards it.
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
  let failures = 0;  // failed attempts in a row to reach the server: the next retry waits 2, 4, 8 … 60 s
  let refused = new Set();  // the indicators whose input a conflict refused, until saved again or discarded

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

  function setVersion(version) {
    document.querySelectorAll("input[name=version]").forEach((input) => { input.value = version; });
  }

  // The server could not be reached: say so, and try again later (at once when the browser is back online).
  function retryLater(message) {
    const seconds = Math.min(2 ** (failures + 1), 60);
    failures += 1;
    say(navigator.onLine === false ? text.offline : message.replace("%(seconds)s", seconds), "error");
    clearTimeout(timer);
    timer = setTimeout(save, seconds * 1000);
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
      retryLater(text.offline);
      return;
    }
    if ([502, 503, 504].includes(response.status)) {  // a proxy without its server, or an outage behind it
      retryLater(text.unreachable);
      return;
    }
    failures = 0;
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      setVersion(body.version);
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
      // The refused input leaves the browser's storage, so that a reload shows the colleague's values instead of
      // overwriting them; it stays in the fields, and one click saves it again.
      halted = true;
      for (const code of Object.keys(entries)) delete pending[code];
      store();
      showConflict(body.conflict_html);
      say(text.conflict, "error");
    } else {
      halted = true;
      say(body.message || text.failed, "error");
    }
  }

  // The server's account of the conflict, above the form. Values others changed where this page holds no input
  // of the user's now show what is saved; the user's own input stays in its field, beside their change.
  function showConflict(html) {
    const old = document.getElementById("conflict");
    if (old) old.remove();
    form.insertAdjacentHTML("beforebegin", html);
    const panel = document.getElementById("conflict");
    refused = new Set([...panel.querySelectorAll("tr[data-code]")].map((row) => row.dataset.code));
    for (const item of panel.querySelectorAll("li[data-code]")) {
      const code = item.dataset.code;
      if (refused.has(code) || pending[code] || !field(code, "value")) continue;
      field(code, "value").value = item.dataset.value;
      field(code, "note").value = item.dataset.note;
      show(code, verdict(field(code, "value")));
    }
    document.querySelectorAll(".indicator").forEach((row) => row.classList.toggle("conflicted", refused.has(row.dataset.code)));
    if (!refused.size) {  // nothing of the user's differs from what is saved: carry on from the new version
      setVersion(panel.dataset.version);
      halted = false;
      schedule();
    }
    panel.scrollIntoView({ block: "nearest" });
  }

  // One click: the user's input, as it stands in the fields, saved against the version the conflict showed.
  function reapply() {
    const panel = document.getElementById("conflict");
    for (const code of refused) remember(code);
    refused = new Set();
    setVersion(panel.dataset.version);
    panel.remove();
    document.querySelectorAll(".indicator.conflicted").forEach((row) => row.classList.remove("conflicted"));
    halted = false;
    clearTimeout(timer);
    save();
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

  function edited(target) {
    const row = target.closest(".indicator");
    if (!row || !/^(value|note)_/.test(target.name || "")) return;
    const code = row.dataset.code;
    const value = field(code, "value");
    show(code, verdict(value));
    remember(code);
    schedule();
  }
  // While an input method composes (pinyin "shi" before it becomes 是), the text is not the user's input yet.
  form.addEventListener("input", (event) => { if (!event.isComposing) edited(event.target); });
  form.addEventListener("compositionend", (event) => edited(event.target));

  document.addEventListener("click", (event) => {
    // Without a refused input in this page (the form's own 409 page), the button submits the form as it is.
    if (event.target.id === "conflict-reapply" && refused.size) {
      event.preventDefault();
      reapply();
    }
  });

  window.addEventListener("online", () => {
    failures = 0;
    if (Object.keys(pending).length && !halted) { clearTimeout(timer); save(); }
  });
  window.addEventListener("offline", () => {
    if (Object.keys(pending).length) say(text.offline, "error");
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
