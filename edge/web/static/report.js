// The printable report: class results and, when analytics are on, suggestions.
"use strict";
(function () {
  const { el, getJSON } = Edge;
  const root = document.getElementById("report");
  const id = encodeURIComponent(root.dataset.assignment);
  const lang = document.documentElement.lang.startsWith("zh") ? "zh" : "en";

  async function load() {
    const data = await getJSON(`/api/v1/assignments/${id}/results`);
    document.getElementById("report-title").textContent = data.assignment.title;
    document.getElementById("report-meta").textContent =
      `${data.answered_students} / ${data.roster_size} · ${new Date().toLocaleString()}`;
    document.querySelector("#report-questions tbody").replaceChildren(...data.questions.map((q) =>
      el("tr", {}, el("td", {}, q.id), el("td", {}, q.key), el("td", {}, String(q.answers)),
        el("td", {}, q.correct_rate === null ? "–" : Math.round(q.correct_rate * 100) + "%"),
        el("td", {}, q.common_wrong.map((w) => `${w.reading} ×${w.count}`).join("  ")))));
    document.querySelector("#report-students tbody").replaceChildren(...data.students.map((s) =>
      el("tr", {}, el("td", {}, String(s.seat ?? "")), el("td", {}, s.name),
        el("td", {}, String(s.answered)), el("td", {}, String(s.correct)))));
    try {
      const report = await getJSON(`/api/v1/assignments/${id}/report`);
      const lines = report[lang === "zh" ? "suggestions_zh" : "suggestions_en"] || [];
      document.querySelector("#report-suggestions ul").replaceChildren(...lines.map((line) => el("li", {}, line)));
    } catch (err) {
      document.getElementById("report-suggestions").hidden = true;
    }
  }
  load();
})();
