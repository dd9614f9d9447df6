// One student's answers with verdicts and reasons; any answer can be replayed.
"use strict";
(function () {
  const { t, el, getJSON, postJSON, player } = Edge;
  const table = document.getElementById("student-answers");
  const lang = document.documentElement.lang.startsWith("zh") ? "zh" : "en";

  async function replay(answerId) {
    const ink = await getJSON(`/api/v1/answers/${answerId}/ink`);
    const box = document.getElementById("replay");
    player(box, ink);
    box.dataset.answer = String(answerId);
    const show = el("button", { type: "button", id: "show-on-projector" }, t.show_on_projector);
    show.addEventListener("click", () => postJSON("/api/v1/projector", { answer_id: answerId }));
    box.append(show);
  }

  async function load() {
    const data = await getJSON(`/api/v1/assignments/${encodeURIComponent(table.dataset.assignment)}/students/${encodeURIComponent(table.dataset.student)}`);
    document.getElementById("student-name").textContent = `${data.student.seat ?? ""} ${data.student.name}`;
    const body = table.querySelector("tbody");
    body.replaceChildren();
    for (const a of data.answers) {
      const verdict = a.needs_review ? t.review : a.correct === null ? "–" : a.correct ? t.correct : t.wrong;
      const button = a.answer_id ? el("button", { type: "button", class: "replay-btn", "data-answer": String(a.answer_id) }, t.play) : "";
      if (button) button.addEventListener("click", () => replay(a.answer_id));
      body.append(el("tr", { class: a.correct ? "ok" : a.correct === false ? "bad" : "", "data-question": a.question, "data-answer": String(a.answer_id ?? "") },
        el("td", {}, a.question), el("td", {}, a.key), el("td", {}, a.reading ?? ""),
        el("td", {}, verdict), el("td", {}, (lang === "zh" ? a.reason_zh : a.reason) ?? ""), el("td", {}, button)));
    }
  }
  load();
})();
