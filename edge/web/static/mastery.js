// Knowledge-point mastery heatmap (students by knowledge points), item analysis,
// teaching suggestions and homework time, from the analytics report.
"use strict";
(function () {
  const { t, el, getJSON } = Edge;
  const select = document.getElementById("assignment");
  const lang = document.documentElement.lang.startsWith("zh") ? "zh" : "en";

  // Red (not mastered) through yellow to green (mastered), by probability.
  function colour(p) {
    const hue = Math.round(Math.max(0, Math.min(1, p)) * 120);
    return `hsl(${hue}, 65%, 78%)`;
  }

  function heatmap(mastery) {
    const kps = mastery.knowledge_points;
    const head = el("tr", {}, el("th", {}, t.student),
      ...kps.map((k) => el("th", { title: k.name }, k.knowledge_point)));
    document.querySelector("#heatmap thead").replaceChildren(head);
    const rows = mastery.students.map((s) => {
      const byKp = Object.fromEntries(s.knowledge_points.map((k) => [k.knowledge_point, k]));
      return el("tr", {}, el("th", {}, s.name), ...kps.map((k) => {
        const level = byKp[k.knowledge_point];
        if (!level) return el("td", {}, "");
        const cell = el("td", { title: `${k.name}: ${Math.round(level.p_mastered * 100)}% · n=${level.n_answers}` },
          String(Math.round(level.p_mastered * 100)));
        cell.style.background = colour(level.p_mastered);
        return cell;
      }));
    });
    document.querySelector("#heatmap tbody").replaceChildren(...rows);
  }

  function items(section) {
    document.querySelector("#items tbody").replaceChildren(...section.items.map((i) => el("tr", {},
      el("td", {}, i.question_id),
      el("td", {}, i.facility === null ? "–" : i.facility.toFixed(2)),
      el("td", {}, i.discrimination === null ? "–" : i.discrimination.toFixed(2)),
      el("td", {}, i.wrong_answers.slice(0, 3).map((w) => `${w.answer} ×${w.count}`).join("  ")))));
  }

  async function load() {
    try {
      const report = await getJSON(`/api/v1/assignments/${encodeURIComponent(select.value)}/report`);
      const lines = report[lang === "zh" ? "suggestions_zh" : "suggestions_en"] || [];
      document.querySelector("#suggestions ul").replaceChildren(...(lines.length ? lines : [t.no_data]).map((l) => el("li", {}, l)));
      heatmap(report.mastery);
      items(report.items);
      const time = report.homework_time;
      const median = time.median_minutes === null ? "–" : time.median_minutes.toFixed(1);
      document.querySelector("#time p").textContent =
        `${median} / ${time.estimated_minutes} min · n=${time.n_students}${time.over_estimate ? " ⚠" : ""}`;
      document.getElementById("mastery-error").textContent = "";
    } catch (err) {
      document.getElementById("mastery-error").textContent = err.message;
    }
  }

  async function start() {
    const list = await getJSON("/api/v1/assignments");
    for (const a of list.assignments) {
      select.append(el("option", { value: a.id, ...(a.active ? { selected: "" } : {}) }, a.title));
    }
    select.addEventListener("change", load);
    await load();
  }
  start();
})();
