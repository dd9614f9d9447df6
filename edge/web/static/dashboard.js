// Live class results: fetch the results once, then again on every change the
// server announces over server-sent events (debounced, so a burst of answers
// costs one fetch).
"use strict";
(function () {
  const { t, el, getJSON } = Edge;
  const select = document.getElementById("assignment");
  const live = document.getElementById("live");
  let current = null;
  let pending = null;

  function rateClass(rate) { return rate >= 0.8 ? "high" : rate >= 0.5 ? "mid" : "low"; }

  function bars(question) {
    const box = el("div", { class: "bars" });
    const max = Math.max(1, ...question.distribution.map((d) => d.count));
    for (const d of question.distribution) {
      const bar = el("i", { class: d.reading === question.key ? "key" : "" });
      bar.style.width = Math.round((d.count / max) * 120) + "px";
      box.append(el("div", {}, bar, `${d.reading} (${d.count})`));
    }
    return box;
  }

  function renderResults(data) {
    const body = document.querySelector("#questions tbody");
    body.replaceChildren();
    let review = 0;
    let received = 0;
    for (const q of data.questions) {
      review += q.review;
      received += q.answers;
      const rate = q.correct_rate === null ? "–" : Math.round(q.correct_rate * 100) + "%";
      const rateCell = el("td", { class: "rate " + (q.correct_rate === null ? "" : rateClass(q.correct_rate)) }, rate);
      const wrong = q.common_wrong.map((w) => `${w.reading} ×${w.count}`).join("  ");
      body.append(el("tr", { "data-question": q.id },
        el("td", {}, q.id), el("td", {}, q.key), el("td", {}, String(q.answers)),
        rateCell, el("td", {}, bars(q)), el("td", {}, wrong)));
    }
    document.getElementById("answered").textContent = `${data.answered_students} / ${data.roster_size}`;
    document.getElementById("received").textContent = String(received);
    document.getElementById("review").textContent = String(review);
    const seats = document.getElementById("students");
    seats.replaceChildren();
    for (const s of data.students) {
      const state = s.finished ? "finished" : s.started ? "started" : "";
      const label = s.finished ? t.finished : s.started ? t.started : t.not_started;
      const link = el("a", { href: `/student/${encodeURIComponent(current)}/${encodeURIComponent(s.id)}` },
        `${s.seat ?? ""} ${s.name} · ${s.correct}/${s.answered}`);
      seats.append(el("li", { class: state, title: label, "data-student": s.id }, link));
    }
  }

  async function refresh() {
    pending = null;
    if (!current) return;
    const [results, summary] = await Promise.all([
      getJSON(`/api/v1/assignments/${encodeURIComponent(current)}/results`),
      getJSON("/api/v1/summary"),
    ]);
    renderResults(results);
    getJSON(`/api/v1/assignments/${encodeURIComponent(current)}/time`).then((time) => {
      const median = time.median_minutes === null ? "–" : time.median_minutes.toFixed(1);
      document.getElementById("homework-time").textContent = `${median} / ${time.estimated_minutes} min`;
    }).catch(() => {});
    document.getElementById("outbox").textContent = String(summary.outbox_pending);
    document.body.dataset.answers = String(summary.answers_received);
  }

  function scheduleRefresh() { if (!pending) pending = setTimeout(refresh, 150); }

  function listen() {
    const source = new EventSource("/api/v1/events");
    source.addEventListener("open", () => { live.textContent = t.live; live.className = "badge live"; });
    source.addEventListener("error", () => { live.textContent = t.offline; live.className = "badge off"; });
    for (const kind of ["answer", "review", "vote", "poll", "hello"]) source.addEventListener(kind, scheduleRefresh);
  }

  async function start() {
    const list = await getJSON("/api/v1/assignments");
    for (const a of list.assignments) {
      const option = el("option", { value: a.id }, a.title);
      if (a.active) { option.selected = true; current = a.id; }
      select.append(option);
    }
    if (!current && list.assignments.length) current = list.assignments[0].id;
    const links = () => {
      document.getElementById("export").href = `/api/v1/assignments/${encodeURIComponent(current)}/export.csv`;
      document.getElementById("report").href = `/report/${encodeURIComponent(current)}`;
    };
    links();
    select.addEventListener("change", () => { current = select.value; links(); refresh(); });
    await refresh();
    listen();
  }
  start();
})();
