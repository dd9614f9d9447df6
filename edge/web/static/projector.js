// The classroom screen: answer distributions and one chosen answer, never names.
"use strict";
(function () {
  const { el, getJSON, player } = Edge;
  let pending = null;

  async function refresh() {
    pending = null;
    const data = await getJSON("/api/v1/projector");
    document.getElementById("proj-title").textContent = data.assignment ? data.assignment.title : "";
    document.getElementById("proj-answered").textContent = String(data.answered_students ?? 0);
    document.getElementById("proj-roster").textContent = String(data.roster_size ?? 0);
    const grid = document.getElementById("proj-questions");
    grid.replaceChildren(...data.questions.map((q) => {
      const max = Math.max(1, ...q.distribution.map((d) => d.count));
      const bars = q.distribution.map((d) => {
        const bar = el("i");
        bar.style.width = Math.round((d.count / max) * 100) + "%";
        return el("div", { class: "pbar" }, el("span", {}, d.reading), bar, el("b", {}, String(d.count)));
      });
      const rate = q.correct_rate === null ? "–" : Math.round(q.correct_rate * 100) + "%";
      return el("div", { class: "pq" }, el("h3", {}, `${q.id} · ${rate}`), ...bars);
    }));
    const inkBox = document.getElementById("proj-ink");
    inkBox.hidden = !data.answer;
    if (data.answer) player(inkBox, data.answer);
  }

  const source = new EventSource("/api/v1/events");
  for (const kind of ["answer", "review", "projector", "hello"]) {
    source.addEventListener(kind, () => { if (!pending) pending = setTimeout(refresh, 200); });
  }
  refresh();
})();
