// Clicker polls: start one, watch the distribution grow live, close, reveal.
"use strict";
(function () {
  const { el, getJSON, postJSON } = Edge;
  const error = document.getElementById("poll-error");
  let current = null;
  let pending = null;

  function render(data) {
    const poll = data.polls.find((p) => p.poll_id === data.current) || data.polls[data.polls.length - 1];
    const box = document.getElementById("poll-current");
    box.hidden = !poll;
    const receiver = data.receiver.connected ? `✓ ${data.receiver.port ?? ""}` : "✗";
    document.getElementById("poll-receiver").textContent = receiver;
    if (!poll) return;
    current = poll.poll_id;
    document.getElementById("poll-title").textContent = poll.poll_id;
    const state = document.getElementById("poll-state");
    state.textContent = state.dataset[poll.state] || poll.state;
    state.dataset.state = poll.state;
    document.getElementById("poll-responses").textContent = String(poll.responses);
    const max = Math.max(1, ...poll.distribution.map((d) => d.count));
    document.getElementById("poll-bars").replaceChildren(...poll.distribution.map((d) => {
      const bar = el("i", { class: d.correct ? "key" : "" });
      bar.style.width = Math.round((d.count / max) * 240) + "px";
      return el("div", { "data-answer": d.answer }, el("b", {}, d.answer), bar, ` ${d.count}`);
    }));
    document.getElementById("poll-unbound").textContent = data.unbound.length ? `? ${data.unbound.join(", ")}` : "";
  }

  async function refresh() {
    pending = null;
    try { render(await getJSON("/api/v1/polls")); error.textContent = ""; }
    catch (err) { error.textContent = err.message; }
  }

  async function act(url, body) {
    try { await postJSON(url, body); await refresh(); }
    catch (err) { error.textContent = err.message; }
  }

  document.getElementById("poll-start").addEventListener("click", () => act("/api/v1/polls", {
    kind: document.getElementById("poll-kind").value,
    options: Number(document.getElementById("poll-options").value),
    correct: document.getElementById("poll-correct").value || null,
  }));
  document.getElementById("poll-close").addEventListener("click", () => current && act(`/api/v1/polls/${encodeURIComponent(current)}/close`, {}));
  document.getElementById("poll-reveal").addEventListener("click", () => current && act(`/api/v1/polls/${encodeURIComponent(current)}/reveal`,
    { correct: document.getElementById("poll-reveal-key").value || null }));

  new EventSource("/api/v1/events").addEventListener("poll", () => { if (!pending) pending = setTimeout(refresh, 150); });
  refresh();
})();
