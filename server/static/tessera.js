/* Tessera's small script: grid keyboard navigation, cell editing, copy and paste (to and from
   Excel), row selection, column resize and reorder, drag and drop (SortableJS), panels and
   toasts. Everything else is htmx and server-rendered HTML. */
(function () {
  "use strict";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const msg = (name) => document.body.dataset["msg" + name] || "";

  // --- requests ----------------------------------------------------------------------------
  // Every request carries the toolbar's draft (q) and search (s); the selection bar's carry the
  // selected records.
  document.addEventListener("htmx:configRequest", (e) => {
    const fd = e.detail.formData;
    const q = $("#q"), s = $("#s");
    if (fd && q && q.value && !fd.has("q")) fd.set("q", q.value);
    if (fd && s && s.value && !fd.has("s")) fd.set("s", s.value);
    if (fd && e.detail.elt.closest && e.detail.elt.closest("#selection-bar")) {
      selectedIds().forEach((id) => fd.append("record", id));
    }
  });

  function post(url, data, json) {
    const headers = { "HX-Request": "true" };
    if (document.body.dataset.csrf) headers["X-CSRF-Token"] = document.body.dataset.csrf;
    let body;
    if (json) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(data);
    } else {
      body = new FormData();
      Object.entries(data).forEach(([k, v]) => {
        if (Array.isArray(v)) v.forEach((x) => body.append(k, x));
        else if (v !== undefined && v !== null) body.append(k, v);
      });
      const q = $("#q"), s = $("#s");
      if (q && q.value) body.append("q", q.value);
      if (s && s.value) body.append("s", s.value);
    }
    return fetch(url, { method: "POST", headers, body, credentials: "same-origin" });
  }

  // --- toasts ------------------------------------------------------------------------------
  function toast(text, kind) {
    const box = $("#toasts");
    if (!box || !text) return;
    const el = document.createElement("div");
    el.className = "toast " + (kind || "");
    el.setAttribute("role", "alert");
    el.textContent = text;
    box.appendChild(el);
    setTimeout(() => el.remove(), 7000);
  }
  document.addEventListener("htmx:responseError", () => toast(msg("Error"), "error"));
  document.addEventListener("htmx:sendError", () => toast(msg("Error"), "error"));
  document.addEventListener("htmx:afterSwap", (e) => {
    if (e.detail.target && e.detail.target.id === "toasts") {
      const last = e.detail.target.lastElementChild;
      if (last) setTimeout(() => last.remove(), 7000);
    }
  });

  // --- menus, panels, modal ------------------------------------------------------------------
  document.addEventListener("click", (e) => {
    $$("details.menu[open]").forEach((d) => {
      if (!d.contains(e.target) || e.target.closest(".menu-items button")) d.removeAttribute("open");
    });
    if (e.target.closest("[data-close-panel]")) $("#panel").innerHTML = "";
    if (e.target.closest("[data-close-modal]")) $("#modal").innerHTML = "";
    const remove = e.target.closest("[data-remove-chip]");
    if (remove) {
      const picker = remove.closest(".link-picker") || remove.parentElement;
      remove.parentElement.remove();
      if (picker.isConnected) changed(picker);
    }
    const pick = e.target.closest("[data-pick-link]");
    if (pick) pickLink(pick);
  });

  function pickLink(option) {
    const picker = option.closest(".link-picker");
    const chosen = $(".link-chosen", picker);
    const id = option.dataset.pickLink, title = option.dataset.title || "#" + id;
    const p = picker.dataset.prefix || "";
    if ($('input[name="' + p + 'value"][value="' + id + '"]', chosen)) return;
    const chip = document.createElement("span");
    chip.className = "chip link";
    chip.textContent = title;
    const a = document.createElement("input");
    a.type = "hidden"; a.name = p + "value"; a.value = id;
    const b = document.createElement("input");
    b.type = "hidden"; b.name = p + "title"; b.value = id + ":" + title;
    const x = document.createElement("button");
    x.type = "button"; x.className = "x"; x.dataset.removeChip = ""; x.textContent = "×";
    chip.append(a, b, x);
    chosen.appendChild(chip);
    option.classList.add("chosen");
    changed(picker);
  }

  // a picker in a form that follows its inputs (the filter builder) says it changed
  function changed(el) {
    const form = el.closest("form");
    if (form && !form.matches("[data-editor]")) form.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // htmx wires up swapped-in content a moment after the swap: a form submitted sooner (a fast
  // typist, a test) is wired up here first, so it never submits natively.
  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (form.matches && form.matches("[hx-post], [hx-get]")) htmx.process(form);
  }, true);

  document.addEventListener("change", (e) => {
    const form = e.target.closest("form[data-editor]");
    if (form && (e.target.matches("select[data-autosubmit]") || e.target.closest(".rate-input"))) {
      form.requestSubmit();
    }
  });

  // --- the grid ----------------------------------------------------------------------------
  let active = null; // {rid, fid}
  let anchor = null; // the other corner of a range
  let editing = null; // the element being edited (td or .pf)
  let original = ""; // its content before editing
  let moveAfterSave = null;

  const grid = () => $("#grid");
  const rows = () => $$("#grid tbody tr[data-rid]");
  const cellsOf = (tr) => $$("td.cell", tr);
  const cellFor = (pos) =>
    pos && $('#grid tbody tr[data-rid="' + pos.rid + '"] td.cell[data-fid="' + pos.fid + '"]');
  const posOf = (td) => ({ rid: td.closest("tr").dataset.rid, fid: td.dataset.fid });

  function coords(pos) {
    const td = cellFor(pos);
    if (!td) return null;
    const tr = td.closest("tr");
    return { r: rows().indexOf(tr), c: cellsOf(tr).indexOf(td) };
  }
  function at(r, c) {
    const tr = rows()[r];
    return tr ? cellsOf(tr)[c] || null : null;
  }

  function paint() {
    $$("#grid td.cell.active, #grid td.cell.in-range").forEach((td) => td.classList.remove("active", "in-range"));
    const td = cellFor(active);
    if (!td) return;
    td.classList.add("active");
    const a = coords(active), b = coords(anchor || active);
    if (a && b && (a.r !== b.r || a.c !== b.c)) {
      for (let r = Math.min(a.r, b.r); r <= Math.max(a.r, b.r); r++)
        for (let c = Math.min(a.c, b.c); c <= Math.max(a.c, b.c); c++) {
          const x = at(r, c);
          if (x) x.classList.add("in-range");
        }
    }
  }

  function select(td, extend) {
    if (!td) return;
    active = posOf(td);
    if (!extend) anchor = null;
    else if (!anchor) anchor = active;
    paint();
    td.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  function move(dr, dc, extend) {
    const from = coords(active);
    if (!from) return;
    const nrows = rows().length;
    const r = Math.max(0, Math.min(nrows - 1, from.r + dr));
    const ncols = cellsOf(rows()[r]).length;
    const c = Math.max(0, Math.min(ncols - 1, from.c + dc));
    const keepAnchor = extend ? anchor || active : null;
    select(at(r, c), false);
    anchor = keepAnchor;
    paint();
  }

  function range() {
    const a = coords(active), b = coords(anchor || active);
    if (!a || !b) return null;
    return { r0: Math.min(a.r, b.r), r1: Math.max(a.r, b.r), c0: Math.min(a.c, b.c), c1: Math.max(a.c, b.c) };
  }

  // editing (grid cells, panel fields, sub-table cells)
  function startEdit(el, initial) {
    if (!el || el.classList.contains("ro") || editing === el) return;
    if (editing) cancelEdit();
    if (el.classList.contains("k-checkbox")) {
      htmx.ajax("POST", el.dataset.url + "/toggle", { target: el, swap: "innerHTML" });
      return;
    }
    const pending = el.dataset.pending;
    if (initial === undefined && pending !== undefined) initial = pending;
    editing = el;
    original = el.innerHTML;
    el.classList.add("editing");
    let url = el.dataset.url + "/edit";
    if (initial !== undefined && initial !== null) url += "?initial=" + encodeURIComponent(initial);
    htmx.ajax("GET", url, { target: el, swap: "innerHTML" });
  }

  function cancelEdit() {
    if (!editing) return;
    const el = editing;
    editing = null;
    el.innerHTML = original;
    el.classList.remove("editing");
    htmx.process(el);
    focusGrid(el);
  }

  function focusGrid(el) {
    const g = grid();
    if (g && el && g.contains(el)) g.focus({ preventScroll: true });
    else if (el && el.focus) el.focus({ preventScroll: true });
  }

  document.addEventListener("htmx:afterSwap", (e) => {
    const target = e.detail.target;
    if (!target || !target.matches) return;
    if (target === editing || (target.matches("[data-fid]") && target.classList.contains("editing"))) {
      const form = $("form[data-editor]", target);
      if (form) {
        editing = target;
        const input = $(".ed-input, input:not([type=hidden]), select, textarea", form);
        if (input) {
          input.focus();
          if (input.setSelectionRange && /^(text|search)$/.test(input.type || "")) {
            const n = input.value.length;
            input.setSelectionRange(n, n);
          }
        }
        form.dataset.initial = serialise(form);
      } else {
        // saved: the cell shows its new value
        target.classList.remove("editing", "error", "pending");
        delete target.dataset.pending;
        target.removeAttribute("title");
        editing = null;
        focusGrid(target);
        if (moveAfterSave) {
          const m = moveAfterSave;
          moveAfterSave = null;
          if (grid() && grid().contains(target)) {
            active = posOf(target);
            move(m[0], m[1]);
          }
        }
      }
    }
    if (target.id === "view-body" || target.id === "grid-body" || target.closest && target.closest("#view-body")) setup();
  });
  document.addEventListener("htmx:oobAfterSwap", (e) => {
    if (e.detail.target && e.detail.target.id === "view-body") setup();
  });

  function serialise(form) {
    return new URLSearchParams(Array.from(new FormData(form)).filter(([, v]) => typeof v === "string")).toString() +
      "|" + $$("input[type=file]", form).map((i) => i.files.length).join(",");
  }

  // keys inside an editor
  document.addEventListener("keydown", (e) => {
    const form = e.target.closest && e.target.closest("form[data-editor]");
    if (!form) return;
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      cancelEdit();
    } else if (e.key === "Tab" && grid() && grid().contains(form)) {
      e.preventDefault();
      moveAfterSave = [0, e.shiftKey ? -1 : 1];
      form.requestSubmit();
    } else if (e.key === "Enter" && e.target.matches(".link-search")) {
      e.preventDefault();
      const first = $(".link-option", form);
      if (first) pickLink(first);
    } else if (e.key === "Enter" && !e.shiftKey && e.target.tagName !== "TEXTAREA" && e.target.type !== "file") {
      e.preventDefault();
      if (grid() && grid().contains(form)) moveAfterSave = [1, 0];
      form.requestSubmit();
    } else if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target.tagName === "TEXTAREA") {
      e.preventDefault();
      form.requestSubmit();
    }
  }, true);

  // click outside an editor: save it if it changed, else put the cell back
  document.addEventListener("mousedown", (e) => {
    if (!editing || editing.contains(e.target)) return;
    if (e.target.closest("#toasts")) return;
    const form = $("form[data-editor]", editing);
    if (form && form.dataset.initial !== undefined && serialise(form) !== form.dataset.initial) form.requestSubmit();
    else cancelEdit();
  }, true);

  document.addEventListener("click", (e) => {
    const cancel = e.target.closest("[data-cancel]");
    if (cancel && editing) { e.preventDefault(); cancelEdit(); return; }
    // panel fields and sub-table cells open their editor on a click
    const pf = e.target.closest("#panel .pf[data-url], #panel td.cell[data-url]");
    if (pf && !e.target.closest("a, button, form")) startEdit(pf);
    const add = e.target.closest("[data-add-row]");
    if (add) addRow();
    const clear = e.target.closest("#clear-selection");
    if (clear) setSelection([]);
  });

  document.addEventListener("dblclick", (e) => {
    const td = e.target.closest("#grid td.cell");
    if (td && !e.target.closest("form, a, button")) {
      select(td);
      startEdit(td);
    }
  });

  document.addEventListener("mousedown", (e) => {
    const td = e.target.closest("#grid td.cell");
    if (!td || td === editing || e.target.closest("form")) return;
    if (e.target.closest("a, button")) return;
    if (e.shiftKey && active) {
      e.preventDefault();
      if (!anchor) anchor = active;
      const keep = anchor;
      active = posOf(td);
      anchor = keep;
      paint();
    } else {
      select(td);
    }
    setTimeout(() => grid() && grid().focus({ preventScroll: true }), 0);
  });

  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      if (editing) return;
      if ($("#modal").innerHTML.trim()) { $("#modal").innerHTML = ""; return; }
      if ($("#panel") && $("#panel").innerHTML.trim()) { $("#panel").innerHTML = ""; return; }
      const tp = $("#tool-panel");
      if (tp && tp.innerHTML.trim()) { tp.innerHTML = ""; return; }
    }
    const g = grid();
    if (!g || editing || document.activeElement !== g || !active) return;
    const td = cellFor(active);
    if (!td) return;
    const k = e.key;
    if (k === "ArrowDown") { e.preventDefault(); move(1, 0, e.shiftKey); }
    else if (k === "ArrowUp") { e.preventDefault(); move(-1, 0, e.shiftKey); }
    else if (k === "ArrowRight") { e.preventDefault(); move(0, 1, e.shiftKey); }
    else if (k === "ArrowLeft") { e.preventDefault(); move(0, -1, e.shiftKey); }
    else if (k === "Tab") { e.preventDefault(); move(0, e.shiftKey ? -1 : 1); }
    else if (k === "Enter") { e.preventDefault(); startEdit(td); }
    else if (k === "Escape") { anchor = null; paint(); }
    else if (k === " " && td.classList.contains("k-checkbox")) { e.preventDefault(); startEdit(td); }
    else if ((k === "Delete" || k === "Backspace") && !td.classList.contains("ro")) { e.preventDefault(); clearRange(); }
    else if (k.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey && !td.classList.contains("ro")) {
      e.preventDefault();
      startEdit(td, k);
    }
  });

  // --- copy and paste ------------------------------------------------------------------------
  function tsvCell(text) {
    return /[\t\n\r"]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function parseTSV(text) {
    const out = [];
    let row = [], cell = "", i = 0, quoted = false;
    text = text.replace(/\r\n?/g, "\n");
    if (text.endsWith("\n")) text = text.slice(0, -1);
    while (i < text.length) {
      const ch = text[i];
      if (quoted) {
        if (ch === '"' && text[i + 1] === '"') { cell += '"'; i += 2; continue; }
        if (ch === '"') { quoted = false; i++; continue; }
        cell += ch; i++; continue;
      }
      if (ch === '"' && cell === "") { quoted = true; i++; continue; }
      if (ch === "\t") { row.push(cell); cell = ""; i++; continue; }
      if (ch === "\n") { row.push(cell); out.push(row); row = []; cell = ""; i++; continue; }
      cell += ch; i++;
    }
    row.push(cell);
    out.push(row);
    return out;
  }

  function inGridContext() {
    const g = grid();
    return g && active && !editing && document.activeElement === g;
  }

  document.addEventListener("copy", (e) => {
    if (!inGridContext()) return;
    const rg = range();
    if (!rg) return;
    const lines = [];
    for (let r = rg.r0; r <= rg.r1; r++) {
      const vals = [];
      for (let c = rg.c0; c <= rg.c1; c++) {
        const td = at(r, c);
        const cv = td && $(".cv", td);
        vals.push(tsvCell(cv ? cv.dataset.copy || "" : ""));
      }
      lines.push(vals.join("\t"));
    }
    e.clipboardData.setData("text/plain", lines.join("\n"));
    e.preventDefault();
  });

  document.addEventListener("paste", (e) => {
    if (!inGridContext()) return;
    const text = e.clipboardData.getData("text/plain");
    if (!text) return;
    e.preventDefault();
    let block = parseTSV(text);
    const rg = range();
    if (block.length === 1 && block[0].length === 1 && rg && (rg.r1 > rg.r0 || rg.c1 > rg.c0)) {
      // one value pasted over a range fills it, as in Excel
      const v = block[0][0];
      block = [];
      for (let r = rg.r0; r <= rg.r1; r++) block.push(Array(rg.c1 - rg.c0 + 1).fill(v));
    }
    const start = rg ? { r: rg.r0, c: rg.c0 } : coords(active);
    writeBlock(start, block);
  });

  function clearRange() {
    const rg = range();
    if (!rg) return;
    const block = [];
    for (let r = rg.r0; r <= rg.r1; r++) block.push(Array(rg.c1 - rg.c0 + 1).fill(""));
    writeBlock({ r: rg.r0, c: rg.c0 }, block);
  }

  function writeBlock(start, block) {
    const g = grid();
    const trs = rows();
    const headCols = $$("#grid thead th.colhead").map((th) => th.dataset.fid);
    const cells = [];
    block.forEach((vals, i) => {
      const tr = trs[start.r + i];
      vals.forEach((text, j) => {
        const fid = headCols[start.c + j];
        if (!fid) return;
        if (tr) {
          const td = $('td.cell[data-fid="' + fid + '"]', tr);
          if (td && td.classList.contains("ro")) return;
          cells.push({ record: Number(tr.dataset.rid), field: Number(fid), text });
        } else {
          cells.push({ record: null, row: i, field: Number(fid), text });
        }
      });
    });
    if (!cells.length) return;
    post("/t/" + g.dataset.table + "/paste", { cells }, true)
      .then((r) => r.json())
      .then((res) => {
        const jobs = res.written.map((rid) => refreshRow(rid));
        jobs.push(res.created.reduce((p, rid) => p.then(() => appendRow(rid)), Promise.resolve()));
        return Promise.all(jobs).then(() => markErrors(res.errors));
      })
      .catch(() => toast(msg("Error"), "error"));
  }

  // cells a paste could not write keep the pasted text, marked, with the engine's message
  function markErrors(errors) {
    const shown = [];
    errors.forEach((err) => {
      const td = cellFor({ rid: String(err.record), fid: String(err.field) });
      if (td) {
        td.classList.add("error", "pending");
        td.dataset.pending = err.text;
        td.title = err.message;
        const cv = $(".cv", td);
        if (cv) { cv.textContent = err.text; cv.dataset.copy = err.text; }
      }
      if (shown.indexOf(err.message) < 0) shown.push(err.message);
    });
    if (shown.length) toast(shown.slice(0, 3).join("；"), "error");
  }

  // --- rows: refresh, add, delete, select ----------------------------------------------------
  function rowUrl(rid, n) {
    const g = grid();
    return "/t/" + g.dataset.table + "/v/" + g.dataset.view + "/row/" + rid + "?n=" + (n || "");
  }

  // rows are fetched and swapped here, not through htmx.ajax, whose requests from one source
  // element replace each other (several rows refresh at once after a batch edit or a paste)
  function fetchRow(rid, n) {
    return fetch(rowUrl(rid, n), { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : Promise.reject(r.status)))
      .then((html) => {
        const tpl = document.createElement("template");
        tpl.innerHTML = "<table><tbody>" + html + "</tbody></table>";
        return tpl.content.querySelector("tr");
      });
  }

  function refreshRow(rid) {
    const g = grid();
    const tr = g && $('tbody tr[data-rid="' + rid + '"]', g);
    if (!tr || (editing && tr.contains(editing))) return Promise.resolve();
    return fetchRow(rid, tr.dataset.n).then((fresh) => {
      const now = $('#grid tbody tr[data-rid="' + rid + '"]');
      if (!fresh || !now || (editing && now.contains(editing))) return;
      const check = $(".rowcheck", now);
      if (check && check.checked) $(".rowcheck", fresh).checked = true;
      now.replaceWith(fresh);
      htmx.process(fresh);
      paint();
      syncSelection();
    });
  }

  // the footer's count follows rows added and deleted here
  function countBy(delta) {
    const td = $("#grid .foot-count");
    if (!td || td.dataset.total === "") return;
    const n = Math.max(0, Number(td.dataset.total) + delta);
    td.dataset.total = String(n);
    td.textContent = (n === 1 ? td.dataset.one : td.dataset.many).replace("{n}", n.toLocaleString("en-US"));
  }

  function appendRow(rid) {
    const last = rows().slice(-1)[0];
    const n = last ? Number(last.dataset.n) + 1 : 1;
    return fetchRow(rid, n).then((fresh) => {
      const end = $("#grid-end");
      if (fresh && end) { end.before(fresh); htmx.process(fresh); countBy(1); }
    });
  }

  function reloadBody() {
    const body = $("#view-body");
    if (!body) return;
    htmx.ajax("GET", location.pathname + location.search, { target: "#view-body", select: "#view-body", swap: "outerHTML" });
  }

  function addRow() {
    const g = grid();
    if (!g) return;
    const last = rows().slice(-1)[0];
    htmx.ajax("POST", "/t/" + g.dataset.table + "/records", {
      target: "#grid-end", swap: "beforebegin",
      values: { view: g.dataset.view, then: "row", n: last ? last.dataset.n : "0" },
    });
  }

  document.body.addEventListener("recordCreated", (e) => {
    countBy(1);
    const tr = $('#grid tbody tr[data-rid="' + e.detail.record + '"]');
    if (!tr) return;
    const td = cellsOf(tr)[0];
    if (td) { select(td); grid().focus({ preventScroll: true }); startEdit(td); }
  });

  document.body.addEventListener("recordsChanged", (e) => {
    const g = grid();
    if (g && String(e.detail.table) === g.dataset.table) e.detail.records.forEach((rid) => refreshRow(rid));
    const panel = $("#panel .panel-inner[data-record]");
    if (panel && !panel.contains(editing) && e.detail.records.map(String).indexOf(panel.dataset.record) >= 0) {
      const el = document.activeElement;
      if (!(el && panel.contains(el))) {
        htmx.ajax("GET", "/t/" + panel.dataset.table + "/r/" + panel.dataset.record, { target: "#panel", swap: "innerHTML" });
      }
    }
    if (!g && $("#view-body") && !(editing && $("#panel").contains(editing))) reloadBody();
  });

  document.body.addEventListener("recordsDeleted", (e) => {
    const ids = e.detail.records.map(String);
    countBy(-ids.filter((rid) => $('#grid tbody tr[data-rid="' + rid + '"]')).length);
    ids.forEach((rid) => $$('[data-rid="' + rid + '"]').forEach((el) => { if (!el.closest("#panel")) el.remove(); }));
    const panel = $("#panel .panel-inner[data-record]");
    if (panel && ids.indexOf(panel.dataset.record) >= 0) $("#panel").innerHTML = "";
    setSelection([]);
  });

  document.body.addEventListener("viewChanged", () => reloadBody());

  function selectedIds() {
    return $$("#grid .rowcheck:checked").map((c) => c.value);
  }
  function syncSelection() {
    const ids = selectedIds();
    $$("#grid tbody tr[data-rid]").forEach((tr) => {
      const c = $(".rowcheck", tr);
      tr.classList.toggle("selected", !!(c && c.checked));
    });
    const bar = $("#selection-bar");
    if (bar) {
      bar.hidden = ids.length === 0;
      const n = $(".sel-count", bar);
      if (n) n.textContent = (document.body.dataset.lang === "en" ? ids.length + " selected" : "已选 " + ids.length + " 条");
    }
  }
  function setSelection(ids) {
    $$("#grid .rowcheck").forEach((c) => { c.checked = ids.indexOf(c.value) >= 0; });
    const all = $("#select-all");
    if (all) all.checked = false;
    syncSelection();
  }
  document.addEventListener("change", (e) => {
    if (e.target.matches("#grid .rowcheck")) syncSelection();
    if (e.target.matches("#select-all")) {
      $$("#grid .rowcheck").forEach((c) => { c.checked = e.target.checked; });
      syncSelection();
    }
    if (e.target.matches("#grid select.summary")) saveSummaries();
  });

  // --- columns: resize, reorder, summaries ----------------------------------------------------
  function configPost(changes, reload) {
    const g = grid();
    return post(g.dataset.configUrl, { set: JSON.stringify(changes), quiet: "1" }).then((r) => {
      if (!r.ok) r.text().then((t) => toast(t.replace(/<[^>]+>/g, "").trim() || msg("Error"), "error"));
      if (reload) reloadBody();
    });
  }

  function saveSummaries() {
    const summaries = {};
    $$("#grid select.summary").forEach((s) => { if (s.value) summaries[s.dataset.fid] = s.value; });
    configPost({ summaries }, true);
  }

  let resizing = null;
  document.addEventListener("mousedown", (e) => {
    const handle = e.target.closest("#grid .rz");
    if (!handle) return;
    e.preventDefault();
    e.stopPropagation();
    const th = handle.closest("th");
    const col = $('#grid col[data-fid="' + th.dataset.fid + '"]');
    resizing = { th, col, x: e.clientX, w: parseFloat(col.style.width) || th.offsetWidth, table: $("#grid table") };
    resizing.tw = resizing.table.offsetWidth;
    handle.classList.add("active");
  }, true);
  document.addEventListener("mousemove", (e) => {
    if (!resizing) return;
    const w = Math.max(60, Math.min(1200, resizing.w + e.clientX - resizing.x));
    resizing.col.style.width = w + "px";
    resizing.table.style.width = resizing.tw + (w - resizing.w) + "px";
  });
  document.addEventListener("mouseup", () => {
    if (!resizing) return;
    const r = resizing;
    resizing = null;
    $$("#grid .rz.active").forEach((h) => h.classList.remove("active"));
    const widths = {};
    $$("#grid col[data-fid]").forEach((c) => { widths[c.dataset.fid] = Math.round(parseFloat(c.style.width)); });
    configPost({ widths }, r.th.classList.contains("frozen"));
  });

  // --- drag and drop (SortableJS) -------------------------------------------------------------
  function sortable(el, options) {
    if (!el || el._sortable || typeof Sortable === "undefined") return;
    el._sortable = Sortable.create(el, Object.assign({ animation: 120 }, options));
  }

  function setup() {
    if (typeof Sortable === "undefined") return;
    const tabs = $("#tab-list");
    sortable(tabs, {
      draggable: ".tab",
      onEnd: () => post(tabs.dataset.orderUrl, { table: $$(".tab", tabs).map((t) => t.dataset.id) }),
    });
    const views = $("#view-list");
    sortable(views, {
      draggable: ".view-item",
      filter: ".view-menu",
      preventOnFilter: false,
      onEnd: () => post(views.dataset.orderUrl, { view: $$(".view-item", views).map((v) => v.dataset.id) }),
    });
    const head = $("#grid thead tr");
    sortable(head, {
      draggable: ".colhead:not(.frozen)",
      filter: ".rz, .col-menu",
      preventOnFilter: false,
      onEnd: (ev) => {
        if (ev.oldIndex === ev.newIndex) return;
        configPost({ order: $$("#grid thead th.colhead").map((th) => Number(th.dataset.fid)) }, true);
      },
    });
    $$("[data-sortable-fields]").forEach((list) =>
      sortable(list, {
        handle: ".grip",
        onEnd: () => list.closest("form").dispatchEvent(new Event("change", { bubbles: true })),
      })
    );
    $$("[data-sortable-choices]").forEach((list) => sortable(list, { handle: ".grip" }));
    const board = $("#board");
    if (board) {
      $$(".cards", board).forEach((list) =>
        sortable(list, {
          group: "kanban",
          draggable: ".card",
          forceFallback: true,
          fallbackTolerance: 4,
          onEnd: (ev) => moveCard(board, ev),
        })
      );
    }
    const cal = $("#calendar");
    if (cal) {
      $$(".cal-entries", cal).forEach((list) =>
        sortable(list, {
          group: "calendar",
          draggable: ".entry",
          forceFallback: true,
          fallbackTolerance: 4,
          sort: false,
          onEnd: (ev) => {
            if (ev.from === ev.to) return;
            post(cal.dataset.moveUrl, { record: ev.item.dataset.rid, day: ev.to.dataset.day })
              .then((r) => r.json().then((res) => {
                if (!r.ok) { toast(res.error || msg("Error"), "error"); reloadBody(); }
              }));
          },
        })
      );
    }
    paint();
    syncSelection();
  }

  function moveCard(board, ev) {
    if (ev.from === ev.to && ev.oldIndex === ev.newIndex) return;
    const card = ev.item;
    const prev = card.previousElementSibling && card.previousElementSibling.matches(".card") ? card.previousElementSibling : null;
    const next = card.nextElementSibling && card.nextElementSibling.matches(".card") ? card.nextElementSibling : null;
    const data = { record: card.dataset.rid, stack: ev.to.dataset.key };
    if (next) data.before = next.dataset.rid;
    else if (prev) data.after = prev.dataset.rid;
    post(board.dataset.moveUrl, data).then((r) =>
      r.json().then((res) => {
        if (!r.ok) { toast(res.error || msg("Error"), "error"); reloadBody(); return; }
        Object.entries(res.counts || {}).forEach(([key, n]) => {
          $$(".stack", board).forEach((s) => {
            if (s.dataset.key === key) { const c = $("[data-count]", s); if (c) c.textContent = n; }
          });
        });
      })
    ).catch(() => toast(msg("Error"), "error"));
  }

  // Ctrl+Z / Ctrl+Shift+Z (and Ctrl+Y): undo and redo the user's last change in the base, unless
  // a text box has the focus (it keeps its own undo)
  document.addEventListener("keydown", (e) => {
    if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
    const k = e.key.toLowerCase();
    if (k !== "z" && k !== "y") return;
    const el = document.activeElement;
    if (editing || (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName)))) return;
    const btn = $(k === "y" || e.shiftKey ? "#redo-btn" : "#undo-btn");
    if (!btn) return;
    e.preventDefault();
    btn.click();
  });

  // expose for tests and the console
  window.tessera = { toast, select, startEdit, parseTSV, setup };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
  document.addEventListener("htmx:load", (e) => { if (e.detail.elt && e.detail.elt.querySelector) setup(); });
})();
