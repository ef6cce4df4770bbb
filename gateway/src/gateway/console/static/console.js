// Draws the dashboard's charts with uPlot from the JSON each figure carries; the table under
// each chart holds the same figures for keyboard and screen-reader users.
(function () {
  "use strict";
  const fmt = new Intl.NumberFormat("fr-FR");

  function draw(el) {
    let data;
    try { data = JSON.parse(el.dataset.series); } catch (e) { return; }
    const groups = data.groups || [];
    if (!groups.length || typeof uPlot === "undefined") return;
    const previous = {};
    // measure puts last year's figures on each group (`previous`), keyed as this year's.
    groups.forEach(g => { if (g.previous) previous[g.key] = g.previous.visits; });
    const xs = groups.map((_, i) => i);
    const names = groups.map(g => String(g.name || g.label || g.key));
    // Months still to come have no figure yet: no point, rather than a fall to zero.
    const series = [groups.map(g => g.to_come ? null : (g.visits || 0))];
    const legend = [{ label: "Visites", stroke: "#123f8c", width: 2, fill: "rgba(18,63,140,.12)" }];
    if (Object.keys(previous).length) {
      series.push(groups.map(g => previous[g.key] ?? null));
      legend.push({ label: "Année précédente", stroke: "#b35c00", width: 2, dash: [6, 4] });
    }
    const width = Math.max(280, el.clientWidth || 500);
    const figure = el.closest("figure");
    const bars = figure.dataset.kind === "bars";
    // Category names that would not fit side by side are slanted and, past 18 characters,
    // shortened: the table under the chart gives them in full.
    const room = (width - 80) / Math.max(1, names.length);
    const slant = bars && names.some(n => n.length * 7 > room);
    const ticks = slant ? names.map(n => n.length > 18 ? n.slice(0, 17) + "…" : n) : names;
    const opts = {
      width, height: slant ? 300 : 240,
      // Slanted names run down to the right: the last one needs room past the plot.
      padding: slant ? [12, 64, 0, 0] : undefined,
      // Bars get half a slot of room at each end, so that the first and last are whole.
      scales: { x: Object.assign({ time: false }, bars ? { range: (u, lo, hi) => [lo - 0.5, hi + 0.5] } : {}) },
      axes: [
        Object.assign({ values: (u, t) => t.map(i => ticks[i] ?? ""), incrs: [1, 2, 3, 6, 12], space: slant ? 10 : Math.max(40, ...ticks.map(t => t.length * 7 + 8)) },
          slant ? { rotate: -40, size: 110 } : {}),
        { values: (u, t) => t.map(v => fmt.format(v)), size: 70 },
      ],
      // The x "series" is what the legend shows first while the pointer is on a group.
      series: [{ label: figure.dataset.axis || "", value: (u, i) => names[i] ?? "—" }].concat(legend.map(s => Object.assign({
        value: (u, v) => v == null ? "—" : fmt.format(v),
      }, s, bars ? { paths: uPlot.paths.bars({ size: [0.6, 60] }), points: { show: false } } : {}))),
    };
    el.textContent = "";
    new uPlot(opts, [xs].concat(series), el);
  }

  function init() { document.querySelectorAll(".plot[data-series]").forEach(draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

// "Copier le secret": the Clipboard API where the browser offers it (secure contexts);
// otherwise, or if it is refused, the secret is selected and the user copies it by hand.
(function () {
  "use strict";
  function say(id, text) {
    const status = document.querySelector(`[data-copy-status="${id}"]`);
    if (status) status.textContent = text;
  }
  function selectOnly(field) {
    field.focus();
    field.select();
    field.setSelectionRange(0, field.value.length);
  }
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-copy]");
    if (!button) return;
    const id = button.dataset.copy;
    const field = document.getElementById(id);
    if (!field) return;
    try {
      if (!navigator.clipboard || !window.isSecureContext) throw new Error("no clipboard");
      await navigator.clipboard.writeText(field.value);
      say(id, "Secret copié dans le presse-papiers.");
    } catch (e) {
      selectOnly(field);
      say(id, "Copie automatique impossible : le secret est sélectionné, copiez-le avec Ctrl+C (⌘+C sur Mac).");
    }
  });
})();

// The dashboard's dates: filling both means "these dates", so the period field says so
// (without this, the prefilled school year would win and the dates be ignored).
(function () {
  "use strict";
  const period = document.getElementById("period");
  const start = document.getElementById("start");
  const end = document.getElementById("end");
  if (!period || !start || !end) return;
  const chosen = () => { if (start.value && end.value) period.value = "personnalisée"; };
  start.addEventListener("change", chosen);
  end.addEventListener("change", chosen);
})();
