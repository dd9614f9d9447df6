// The review queue: one uncertain answer at a time, decided with buttons or keys.
"use strict";
(function () {
  const { el, getJSON, postJSON, player } = Edge;
  let items = [];
  let index = 0;

  async function load() {
    const data = await getJSON("/api/v1/review");
    items = data.items;
    if (index >= items.length) index = Math.max(0, items.length - 1);
    await show();
  }

  async function show() {
    document.getElementById("review-count").textContent = String(items.length);
    const empty = items.length === 0;
    document.getElementById("review-empty").hidden = !empty;
    document.getElementById("review-item").hidden = empty;
    document.getElementById("review-error").textContent = "";
    if (empty) return;
    const item = items[index];
    document.getElementById("review-item").dataset.answer = String(item.id);
    document.getElementById("review-question").textContent = `${item.assignment_id} · ${item.question_id}`;
    document.getElementById("review-student").textContent = `${item.seat ?? ""} ${item.student_name ?? item.student_id}`;
    const keyRow = await getJSON(`/api/v1/assignments/${encodeURIComponent(item.assignment_id)}/results`);
    const q = keyRow.questions.find((x) => x.id === item.question_id);
    document.getElementById("review-key").textContent = q ? q.key : "";
    const list = document.getElementById("review-candidates");
    list.replaceChildren(...item.candidates.slice(0, 3).map((c, i) =>
      el("li", { "data-text": c.text }, `${i + 1}. ${c.text || "∅"} (${Math.round(c.confidence * 100)}%)`)));
    const ink = await getJSON(`/api/v1/answers/${item.id}/ink`);
    player(document.getElementById("review-ink"), ink);
    document.getElementById("review-text").value = "";
  }

  async function decide(body) {
    if (!items.length) return;
    try {
      await postJSON(`/api/v1/review/${items[index].id}`, body);
      await load();
    } catch (err) {
      document.getElementById("review-error").textContent = err.message;
    }
  }

  const text = document.getElementById("review-text");
  document.getElementById("btn-confirm").addEventListener("click", () => decide({ decision: "confirm" }));
  document.getElementById("btn-fix").addEventListener("click", () => decide({ decision: "correct", text: text.value }));
  document.getElementById("btn-right").addEventListener("click", () => decide({ decision: "mark", correct: true }));
  document.getElementById("btn-wrong").addEventListener("click", () => decide({ decision: "mark", correct: false }));
  document.getElementById("btn-skip").addEventListener("click", () => { index = (index + 1) % Math.max(1, items.length); show(); });

  // A mouse click leaves focus on the button, where Enter would click it again.
  for (const button of document.querySelectorAll(".actions button")) {
    button.addEventListener("click", () => button.blur());
  }

  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLElement && event.target.matches("button, select, a")) return;
    if (event.target === text) {
      if (event.key === "Enter") { event.preventDefault(); text.blur(); decide({ decision: "correct", text: text.value }); }
      if (event.key === "Escape") text.blur();
      return;
    }
    const candidates = items.length ? items[index].candidates : [];
    const key = event.key.toLowerCase();
    if (key === "enter") decide({ decision: "confirm" });
    else if (["1", "2", "3"].includes(key) && candidates[Number(key) - 1]) decide({ decision: "correct", text: candidates[Number(key) - 1].text });
    else if (key === "e") { event.preventDefault(); text.focus(); }
    else if (key === "y") decide({ decision: "mark", correct: true });
    else if (key === "n") decide({ decision: "mark", correct: false });
    else if (key === "j") { index = Math.min(items.length - 1, index + 1); show(); }
    else if (key === "k") { index = Math.max(0, index - 1); show(); }
  });

  new EventSource("/api/v1/events").addEventListener("answer", (e) => {
    if (JSON.parse(e.data).needs_review) load();
  });
  load();
})();
