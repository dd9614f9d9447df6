// Helpers shared by every page: DOM building, JSON calls with the CSRF token,
// and drawing a handwriting answer as SVG (optionally up to a replay time).
"use strict";
const Edge = (function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const stringsNode = document.getElementById("strings");
  const t = stringsNode ? JSON.parse(stringsNode.textContent) : {};
  const SVG = "http://www.w3.org/2000/svg";

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  async function call(method, url, body) {
    const init = { method, credentials: "same-origin", headers: {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    if (method !== "GET") init.headers["X-CSRF-Token"] = csrf;
    const r = await fetch(url, init);
    if (r.status === 401) { location.href = "/login?next=" + encodeURIComponent(location.pathname); throw new Error("login"); }
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(data.detail || url + ": " + r.status);
    return data;
  }

  // Draws strokes ([[x, y, t, force], ...]) into an <svg>, only dots with t <= until.
  function drawInk(svg, ink, until) {
    svg.replaceChildren();
    const pts = ink.strokes.flat();
    const box = ink.region || {
      x: Math.min(...pts.map((p) => p[0])), y: Math.min(...pts.map((p) => p[1])),
      width: 1, height: 1,
    };
    if (!ink.region && pts.length) {
      box.width = Math.max(...pts.map((p) => p[0])) - box.x || 1;
      box.height = Math.max(...pts.map((p) => p[1])) - box.y || 1;
    }
    const pad = 0.5;
    svg.setAttribute("viewBox", `${box.x - pad} ${box.y - pad} ${box.width + 2 * pad} ${box.height + 2 * pad}`);
    const frame = document.createElementNS(SVG, "rect");
    for (const [k, v] of Object.entries({ x: box.x, y: box.y, width: box.width, height: box.height, class: "region" })) frame.setAttribute(k, v);
    svg.append(frame);
    for (const stroke of ink.strokes) {
      const shown = stroke.filter((p) => until === undefined || p[2] <= until);
      if (!shown.length) continue;
      const line = document.createElementNS(SVG, "polyline");
      line.setAttribute("points", shown.map((p) => `${p[0]},${p[1]}`).join(" "));
      line.setAttribute("class", "ink");
      svg.append(line);
    }
  }

  // A replay player: play, pause and speed over one answer's ink.
  function player(container, ink) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "inkview");
    const end = Math.max(0, ...ink.strokes.flat().map((p) => p[2]));
    let at = end;
    let speed = 1;
    let timer = null;
    const play = el("button", { type: "button", class: "play" }, t.play || "▶");
    const speedSel = el("select", { "aria-label": t.speed || "speed" },
      ...[0.5, 1, 2, 4].map((s) => el("option", { value: s, ...(s === 1 ? { selected: "" } : {}) }, s + "×")));
    function frame() {
      at += 50 * speed;
      drawInk(svg, ink, at);
      if (at >= end) stop();
    }
    function stop() { clearInterval(timer); timer = null; play.textContent = t.play || "▶"; container.dataset.playing = "0"; }
    play.addEventListener("click", () => {
      if (timer) { stop(); return; }
      if (at >= end) at = 0;
      timer = setInterval(frame, 50);
      play.textContent = t.pause || "⏸";
      container.dataset.playing = "1";
    });
    speedSel.addEventListener("change", () => { speed = Number(speedSel.value); });
    drawInk(svg, ink);
    container.replaceChildren(svg, el("div", { class: "controls" }, play, speedSel));
  }

  return { t, el, call, getJSON: (url) => call("GET", url), postJSON: (url, body) => call("POST", url, body), drawInk, player };
})();
