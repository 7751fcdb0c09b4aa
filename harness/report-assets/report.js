// report.html's charts: draws every <div class="chart"> from the JSON in #gauntlet-data with
// uPlot (inlined before this script). Each chart element gets data-drawn="<series labels>" once
// drawn, and body gets data-charts-drawn / data-errors, which the report's browser test reads
// from the DOM. Errors are recorded, never thrown past a chart: one bad chart leaves the others.
(function () {
  "use strict";
  var errors = [];
  function record(message) {
    errors.push(String(message));
    document.body.setAttribute("data-errors", errors.join(" | "));
  }
  window.addEventListener("error", function (e) { record(e.message); });

  var colors = ["#1f77b4", "#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
                "#17becf"];

  // Vertical markers at each fault timeline entry's start (and a shaded span until its end).
  function timelinePlugin(timeline) {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          timeline.forEach(function (ev) {
            if (typeof ev.at_s !== "number") return;
            var x0 = u.valToPos(ev.at_s, "x", true);
            if (typeof ev.until_s === "number") {
              var x1 = u.valToPos(ev.until_s, "x", true);
              ctx.fillStyle = "rgba(198, 40, 40, 0.08)";
              ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
            }
            ctx.strokeStyle = "#c62828";
            ctx.setLineDash([4, 3]);
            ctx.beginPath();
            ctx.moveTo(x0, u.bbox.top);
            ctx.lineTo(x0, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.fillStyle = "#c62828";
            ctx.font = (10 * devicePixelRatio) + "px sans-serif";
            ctx.textAlign = "left";
            ctx.fillText(String(ev.action || "fault"), x0 + 3, u.bbox.top + 12 * devicePixelRatio);
          });
          ctx.restore();
        }]
      }
    };
  }

  function draw(el, labels, data, opts) {
    var width = Math.max(280, el.clientWidth || 560);
    var series = [{ label: opts.xLabel || "s" }];
    labels.forEach(function (label, i) {
      series.push({ label: label, stroke: colors[i % colors.length], width: 1.5,
                    spanGaps: false, fill: opts.fill ? colors[i % colors.length] + "33" : undefined,
                    paths: opts.bars ? uPlot.paths.bars({ size: [0.9, 40] }) : undefined });
    });
    var options = {
      width: width, height: 220, series: series,
      scales: opts.scales || { x: { time: false } },
      axes: opts.axes || [{}, {}],
      cursor: { drag: { x: true, y: false } },
      plugins: opts.timeline && opts.timeline.length ? [timelinePlugin(opts.timeline)] : []
    };
    new uPlot(options, data, el);
    el.setAttribute("data-drawn", labels.join(","));
  }

  function noData(el, text) {
    el.innerHTML = "<div class=\"nodata\">" + text + "</div>";
    el.setAttribute("data-drawn", "");
  }

  // The monitor's series, one line per process, for `field` ("cpu_percent" or "rss_mb").
  function monitorData(monitor, field) {
    var byProcess = {}, times = {};
    (monitor.series || []).forEach(function (p) {
      if (typeof p.t_s !== "number") return;
      var name = String(p.process || "?");
      (byProcess[name] = byProcess[name] || {})[p.t_s] = p[field];
      times[p.t_s] = true;
    });
    var t = Object.keys(times).map(Number).sort(function (a, b) { return a - b; });
    var names = Object.keys(byProcess);
    var data = [t].concat(names.map(function (n) {
      return t.map(function (s) { var v = byProcess[n][s]; return typeof v === "number" ? v : null; });
    }));
    return { names: names, data: data };
  }

  function drawChart(el, run) {
    var kind = el.getAttribute("data-chart");
    var tl = run.timeline;
    if (kind === "latency") {
      if (!run.t.length) return noData(el, "no series recorded");
      draw(el, ["p50", "p95", "p99"], [run.t, run.p50_ms, run.p95_ms, run.p99_ms], { timeline: tl });
    } else if (kind === "throughput") {
      if (!run.t.length) return noData(el, "no series recorded");
      draw(el, ["completed", "failed", "dropped"],
           [run.t, run.completed, run.failed, run.dropped], { timeline: tl });
    } else if (kind === "users") {
      if (!run.t.length) return noData(el, "no series recorded");
      draw(el, ["users"], [run.t, run.users], { timeline: tl, fill: true });
    } else if (kind === "distribution") {
      if (!run.dist.ms.length) return noData(el, "nothing measured");
      draw(el, ["count"], [run.dist.ms, run.dist.count], {
        xLabel: "ms", bars: true,
        scales: { x: { time: false, distr: 3 } },
        axes: [{ label: "latency (ms)" }, { label: "iterations" }]
      });
    } else if (kind === "cpu" || kind === "rss") {
      var m = monitorData(run.monitor || {}, kind === "cpu" ? "cpu_percent" : "rss_mb");
      if (!m.data[0].length) return noData(el, "no monitor samples");
      draw(el, m.names, m.data, { timeline: tl });
    }
  }

  try {
    var runs = JSON.parse(document.getElementById("gauntlet-data").textContent);
    var drawn = 0;
    document.querySelectorAll(".chart").forEach(function (el) {
      try {
        drawChart(el, runs[Number(el.getAttribute("data-run"))]);
        drawn++;
      } catch (e) {
        record(el.id + ": " + e.message);
      }
    });
    document.body.setAttribute("data-charts-drawn", String(drawn));
  } catch (e) {
    record(e.message);
  }
})();
