// The page: one form, progress from server-sent events, the result as a summary and a table.
// Every text from the input or the models goes into the page with textContent, never innerHTML.
"use strict";

const $ = (id) => document.getElementById(id);
let last = null; // the last Result, for the copy and download buttons
let upload = null; // a dropped or chosen file, sent as multipart
let correctable = false; // the server keeps corrections (it has a translation memory)

function say(message, error = false) {
  $("status").textContent = message;
  $("status").classList.toggle("error", error);
}

function headers(extra = {}) {
  const key = $("key").value.trim();
  return key ? { ...extra, Authorization: "Bearer " + key } : extra;
}

async function loadProfiles() {
  const response = await fetch("/v1/models", { headers: headers() });
  if (response.status === 403) {
    $("key-label").hidden = false;
    say("This server needs an API key.");
    return;
  }
  if (!response.ok) {
    say("The models are still loading…");
    setTimeout(loadProfiles, 2000);
    return;
  }
  const data = await response.json();
  correctable = (await (await fetch("/frontend/settings")).json()).suggestions === true;
  const select = $("profile");
  select.replaceChildren();
  for (const name of [...new Set(data.models.map((m) => m.profile))]) {
    const option = document.createElement("option");
    option.value = name;
    option.textContent = name;
    option.selected = name === data.default_profile;
    select.append(option);
  }
  say("");
}

function takeFile(file) {
  if (!file) return;
  if (/\.(docx|pptx|odt|srt|pdf)$/i.test(file.name)) { translateWholeFile(file); return; }
  if (!/\.(txt|md|markdown|html?)$/i.test(file.name)) {
    say(file.name + ": drop a .txt, .md, .html, .docx, .pptx, .odt, .srt or .pdf file", true);
    return;
  }
  upload = file;
  const reader = new FileReader();
  reader.onload = () => { $("text").value = reader.result; file.loadedText = reader.result; say("File: " + file.name); };
  reader.readAsText(file);
}

// An office file, subtitles or a PDF: translated as a job into the same kind of file (a PDF's as
// .docx), its progress shown while it runs, then offered as a download.
async function translateWholeFile(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  say(`Translating ${file.name}…`);
  $("progress").hidden = false;
  $("progress").removeAttribute("value");
  try {
    const response = await fetch("/v1/files", { method: "POST", body: form, headers: headers() });
    let job = await response.json().catch(() => ({ error: response.statusText }));
    if (!response.ok) throw new Error(job.error || response.statusText);
    const status = job.status_url.slice(job.status_url.indexOf("/v1/"));
    while (job.status === "queued" || job.status === "running") {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      job = await (await fetch(status, { headers: headers() })).json();
      if (job.total) { $("progress").max = job.total; $("progress").value = job.done; }
      if (job.status === "running") say(`Translating ${file.name}: ${job.done} of ${job.total} sentences`);
    }
    if (job.status !== "done") throw new Error(job.error || "the file could not be translated");
    const link = document.createElement("a");
    link.href = job.download_url.slice(job.download_url.indexOf("/download_file/"));
    link.id = "translated-file";
    link.textContent = "Download " + decodeURIComponent(link.href.split("/").pop().replace(/^[0-9a-f]{32}\./, ""));
    $("status").replaceChildren(link);
    $("status").classList.remove("error");
  } catch (error) {
    say(error.message, true);
  } finally {
    $("progress").hidden = true;
  }
}

function body() {
  const fields = { profile: $("profile").value || "", summary_words: $("words").value || "" };
  if (upload && $("text").value === upload.loadedText) {
    const form = new FormData();
    form.append("file", upload, upload.name);
    for (const [k, v] of Object.entries(fields)) if (v) form.append(k, v);
    return { body: form, headers: headers({ Accept: "text/event-stream" }) };
  }
  const url = $("url").value.trim();
  const json = url && !$("text").value.trim() ? { url } : { text: $("text").value };
  for (const [k, v] of Object.entries(fields)) if (v) json[k] = k === "summary_words" ? Number(v) : v;
  return { body: JSON.stringify(json), headers: headers({ "Content-Type": "application/json", Accept: "text/event-stream" }) };
}

async function submit(event) {
  event.preventDefault();
  if (!$("text").value.trim() && !$("url").value.trim()) { say("Paste some Indonesian text, or a link, first.", true); $("text").focus(); return; }
  $("go").disabled = true;
  $("progress").hidden = false;
  $("progress").removeAttribute("value");
  say("Working…");
  try {
    const request = body();
    const response = await fetch("/v1/translate-and-summarize", { method: "POST", ...request });
    if (!response.ok) {
      const data = await response.json().catch(() => ({ error: response.statusText }));
      throw new Error(data.error || response.statusText);
    }
    await readEvents(response);
  } catch (error) {
    say(error.message, true);
  } finally {
    $("go").disabled = false;
    $("progress").hidden = true;
  }
}

async function readEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = (block.match(/^event: (.*)$/m) || [])[1];
      const data = JSON.parse((block.match(/^data: (.*)$/m) || [])[1] || "{}");
      if (name === "progress") {
        if (data.total) { $("progress").max = data.total; $("progress").value = data.done; }
        say(data.stage === "summarize" ? "Summarising…" : data.stage === "queued" ? "Waiting for the models…" : `Translating: ${data.done} of ${data.total} sentences`);
      } else if (name === "sentences") {
        start(data.sentences);
      } else if (name === "sentence") {
        fill(data.index, data);
      } else if (name === "summary") {
        $("summary").textContent = data.summary || "(no summary)";
      } else if (name === "error") {
        throw new Error(data.error);
      } else if (name === "result") {
        show(data);
        say("Done.");
      }
    }
  }
}

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

// The table is drawn when the source sentences are known; each English cell fills in as its
// sentence arrives, and the final result draws it once more, whole.
function start(sentences) {
  last = null;
  $("summary").textContent = "…";
  $("pairs").tBodies[0].replaceChildren(...sentences.map(row));
  $("warnings-title").hidden = true;
  $("output").hidden = false;
}

function row(segment, i) {
  const tr = document.createElement("tr");
  const previous = i > 0 ? row.paragraph : -1;
  if (segment.paragraph !== previous) tr.classList.add("paragraph-start");
  row.paragraph = segment.paragraph;
  if (segment.boilerplate) tr.classList.add("boilerplate");
  const source = cell(segment.source, "source");
  const target = cell("…", "target pending");
  for (const td of [source, target]) {
    td.tabIndex = 0;
    td.addEventListener("mouseenter", () => highlight(tr, true));
    td.addEventListener("mouseleave", () => highlight(tr, false));
    td.addEventListener("focus", () => highlight(tr, true));
    td.addEventListener("blur", () => highlight(tr, false));
  }
  tr.append(cell(String(i + 1), "n"), source, target);
  return tr;
}

function fill(i, segment) {
  const tr = $("pairs").tBodies[0].rows[i];
  if (!tr) return;
  const target = tr.querySelector("td.target");
  target.classList.remove("pending");
  target.replaceChildren(document.createTextNode(segment.translation));
  target.dataset.source = segment.source;
  shade(target, segment);
  target.classList.toggle("flagged", segment.flags.length > 0);
  const notes = [describe(segment)].concat(segment.flags.map((f) => `${f.kind}: ${f.message}`));
  target.title = notes.filter(Boolean).join("\n");
  if (segment.flags.length) {
    const list = document.createElement("div");
    list.className = "flags";
    list.id = `flags-${i}`;
    list.textContent = segment.flags.map((f) => `${f.kind}: ${f.message}`).join(" · ");
    target.append(list);
    target.setAttribute("aria-describedby", list.id);
  }
  if (!correctable) return; // no memory to keep a correction in: no Edit button
  const edit = document.createElement("button");
  edit.type = "button";
  edit.className = "edit";
  edit.textContent = "Edit";
  edit.setAttribute("aria-label", `Correct the translation of sentence ${i + 1}`);
  edit.addEventListener("click", () => editor(target, segment));
  target.append(edit);
}

// How sure the model was: the lower the confidence, the stronger the shade; the value on hover.
function shade(target, segment) {
  target.classList.toggle("corrected", segment.origin === "correction");
  target.classList.toggle("kept", segment.origin === "source");
  const unsure = segment.origin === "correction" || segment.confidence == null ? 0 : 1 - segment.confidence;
  target.style.setProperty("--unsure", unsure.toFixed(3));
  if (segment.confidence != null) target.dataset.confidence = segment.confidence.toFixed(2);
  else delete target.dataset.confidence;
}

function describe(segment) {
  if (segment.origin === "correction") return "a person's correction";
  if (segment.origin === "source") return `left in Indonesian: confidence ${segment.confidence.toFixed(2)}`;
  return segment.confidence == null ? "" : `confidence ${segment.confidence.toFixed(2)}`;
}

// Click Edit, change the English, Save: the correction goes into the server's memory and is used
// from then on for this sentence, here and in every later translation.
function editor(target, segment) {
  const box = document.createElement("textarea");
  box.value = segment.translation;
  box.rows = 3;
  box.setAttribute("aria-label", "corrected translation");
  const save = document.createElement("button");
  save.type = "button";
  save.textContent = "Save";
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.textContent = "Cancel";
  cancel.className = "secondary";
  const i = target.parentElement.sectionRowIndex;
  cancel.addEventListener("click", () => fill(i, segment));
  let force = false;
  save.addEventListener("click", async () => {
    const sent = { source: segment.source, translation: box.value, force, profile: $("profile").value || null };
    const response = await fetch("/v1/corrections", {
      method: "POST", body: JSON.stringify(sent), headers: headers({ "Content-Type": "application/json" }),
    });
    const data = await response.json().catch(() => ({ error: response.statusText }));
    if (!response.ok) {
      say(data.error || response.statusText, true);
      if (response.status === 400 && /force/.test(data.error || "")) { force = true; save.textContent = "Save anyway"; }
      return;
    }
    say(`Correction saved: sentence ${i + 1} will be translated so from now on.`);
    fill(i, { ...segment, translation: data.translation, origin: "correction", confidence: null, flags: [] });
  });
  target.replaceChildren(box, save, cancel);
  box.focus();
}

function show(result) {
  start(result.segments);
  last = result;
  const source = $("source");
  source.hidden = !result.source;
  if (result.source) {
    const link = document.createElement("a");
    link.href = result.source.url;
    link.textContent = result.source.title || result.source.url;
    link.rel = "noopener noreferrer";
    const rest = [result.source.author, result.source.site, result.source.date].filter(Boolean).join(", ");
    source.replaceChildren("Source: ", link, rest ? " — " + rest : "");
  }
  $("summary").textContent = result.summary || "(no summary)";
  result.segments.forEach((segment, i) => fill(i, segment));
  const general = result.warnings.filter((w) => w.segment === null);
  $("warnings-title").hidden = !general.length;
  $("warnings-title").textContent = general.map((w) => `${w.kind}: ${w.message}`).join(" · ");
}

function highlight(tr, on) {
  for (const td of tr.querySelectorAll("td.source, td.target")) td.classList.toggle("highlight", on);
}

function markdown(result) {
  const escape = (s) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const lines = ["## Summary", "", result.summary || "_(no summary)_", "", "## Translation", "", result.translation, "",
    "## Side by side", "", "| # | Indonesian | English | Confidence |", "|---:|---|---|---:|"];
  const sure = (s) => (s.origin === "correction" || s.origin === "source" ? s.origin : s.confidence == null ? "" : s.confidence.toFixed(2));
  result.segments.forEach((s, i) => lines.push(`| ${i + 1} | ${escape(s.source)} | ${escape(s.translation)} | ${sure(s)} |`));
  return lines.join("\n") + "\n";
}

function download(name, text, type) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
}

$("form").addEventListener("submit", submit);
$("file").addEventListener("change", (e) => takeFile(e.target.files[0]));
$("text").addEventListener("dragover", (e) => { e.preventDefault(); $("text").classList.add("dragging"); });
$("text").addEventListener("dragleave", () => $("text").classList.remove("dragging"));
$("text").addEventListener("drop", (e) => {
  e.preventDefault();
  $("text").classList.remove("dragging");
  takeFile(e.dataTransfer.files[0]);
});
$("copy").addEventListener("click", async () => {
  if (!last) return;
  await navigator.clipboard.writeText(last.translation);
  say("Translation copied.");
});
$("download-md").addEventListener("click", () => last && download("translation.md", markdown(last), "text/markdown"));
$("download-json").addEventListener("click", () => last && download("translation.json", JSON.stringify(last, null, 2), "application/json"));
$("key").addEventListener("change", loadProfiles);
loadProfiles();
