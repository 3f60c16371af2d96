// The results map of the overview (templates/reports/dashboards/_map.html): fetches one view of the map from
// reports.map_views.map_data (regions, their colours — those of the level charts — and the boundary files), draws
// it as plotly choropleths on a geo subplot without base map (no tiles, no network beyond our own static files),
// and drills down on click: nation → a province's prefectures → a prefecture's counties; the breadcrumb goes back.
// plotly.js's full bundle (with `choropleth`) is loaded when the panel comes into view; the page's own global
// `Plotly` (the cartesian bundle the other charts use) is put back afterwards, the map keeps the full one.
(function () {
  "use strict";
  const panel = document.getElementById("map");
  if (!panel) return;
  const canvas = document.getElementById("map-canvas");
  const statusLine = document.getElementById("map-status");
  const files = new Map();  // URL → promise of its FeatureCollection
  let plotly = null;
  let current = null;

  canvas.style.height = "520px";

  const loadPlotly = () => new Promise((resolve, reject) => {
    const page = window.Plotly;
    const script = document.createElement("script");
    script.src = panel.dataset.plotly;
    script.onload = () => {
      const full = window.Plotly;
      if (page) window.Plotly = page;
      // plotly.js fetches a topojson base map for any choropleth; the map draws none (geo.visible false): an empty
      // one here, so that it asks nothing from its CDN.
      window.PlotlyGeoAssets = window.PlotlyGeoAssets || { topojson: {} };
      window.PlotlyGeoAssets.topojson.world_110m = { type: "Topology", objects: {}, arcs: [] };
      resolve(full);
    };
    script.onerror = () => reject(new Error("plotly.js"));
    document.head.appendChild(script);
  });

  const json = (url) => fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    });

  const boundaries = (url) => {
    if (!files.has(url)) files.set(url, json(url));
    return files.get(url);
  };

  const viewUrl = (view) => {
    const url = new URL(panel.dataset.url, window.location.href);
    url.searchParams.delete("level");
    url.searchParams.delete("within");
    if (view.level) url.searchParams.set("level", view.level);
    if (view.within) url.searchParams.set("within", view.within);
    return url.toString();
  };

  const number = (value) => (value === null || value === undefined ? "–" : value.toFixed(1));

  const trail = (data) => {
    const nav = document.getElementById("map-trail");
    nav.replaceChildren();
    data.trail.forEach((step, i) => {
      if (i) {
        const sep = document.createElement("span");
        sep.className = "sep";
        sep.textContent = "›";
        nav.appendChild(sep);
      }
      const last = i === data.trail.length - 1;
      const item = document.createElement(last ? "span" : "button");
      item.textContent = step.name;
      if (last) item.setAttribute("aria-current", "page");
      else {
        item.type = "button";
        item.dataset.level = step.level;
        item.dataset.within = step.within || "";
        item.addEventListener("click", () => show({ level: step.level, within: step.within }));
      }
      nav.appendChild(item);
    });
  };

  const legend = (data) => {
    const list = document.getElementById("map-legend");
    list.replaceChildren(...data.legend.map((entry) => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "map-swatch";
      swatch.style.backgroundColor = entry.colour;
      item.append(swatch, document.createTextNode(entry.maturity === null ? entry.label
        : `L${entry.maturity} ${entry.label}`));
      return item;
    }));
  };

  const missing = (data) => {
    const box = document.getElementById("map-missing");
    const list = document.getElementById("map-missing-list");
    list.replaceChildren(...data.missing.map((region) => {
      const item = document.createElement("li");
      item.textContent = `${region.name} (${region.code})`;
      return item;
    }));
    box.hidden = data.missing.length === 0;
  };

  // What a region says on hover: its index and level, or that it has none; how many regions within it have one.
  const hover = (region, data) => {
    const own = region.has_result
      ? `${number(region.index)} · ${region.maturity ? `L${region.maturity} ${region.label}` : "–"}`
      : data.legend[data.legend.length - 1].label;
    const within = region.results_within ? `<br>${panel.dataset.within.replace("{count}", region.results_within)
      .replace("{mean}", number(region.mean_within))}` : "";
    return `${region.name}<br>${own}${within}`;
  };

  const traces = (data, features, outline) => {
    const geojson = { type: "FeatureCollection", features };
    const byColour = new Map();
    data.regions.filter((r) => r.has_boundary).forEach((region) => {
      if (!byColour.has(region.colour)) byColour.set(region.colour, []);
      byColour.get(region.colour).push(region);
    });
    const result = [];
    if (outline) {
      const china = outline.features;
      result.push({ type: "choropleth", geojson: { type: "FeatureCollection", features: china },
        locations: china.map((f) => f.id), z: china.map(() => 0), colorscale: [[0, "#f5f7fa"], [1, "#f5f7fa"]],
        showscale: false, hoverinfo: "skip", marker: { line: { color: "#9aa5b1", width: 0.6 } } });
      const lon = [];
      const lat = [];
      (outline.maritime || []).forEach((line) => {
        line.forEach(([x, y]) => { lon.push(x); lat.push(y); });
        lon.push(null);
        lat.push(null);
      });
      if (lon.length) {
        result.push({ type: "scattergeo", mode: "lines", lon, lat, hoverinfo: "skip", showlegend: false,
          line: { color: "#9aa5b1", width: 1 } });
      }
    }
    byColour.forEach((regions, colour) => {
      result.push({
        type: "choropleth", geojson, featureidkey: "id", locations: regions.map((r) => r.code),
        z: regions.map(() => 1), colorscale: [[0, colour], [1, colour]], zmin: 0, zmax: 1, showscale: false,
        marker: { line: { color: "#ffffff", width: 0.6 } },
        text: regions.map((r) => hover(r, data)),
        hovertemplate: "%{text}<extra></extra>",
      });
    });
    return result;
  };

  const draw = (data, features, outline) => {
    const layout = {
      margin: { l: 0, r: 0, t: 0, b: 0 }, height: 520, showlegend: false,
      paper_bgcolor: "#ffffff", font: { family: "Noto Sans CJK SC, Microsoft YaHei, sans-serif" },
      geo: { visible: false, fitbounds: "locations", projection: { type: "conic equal area", parallels: [25, 47] },
        bgcolor: "#ffffff" },
    };
    return plotly.react(canvas, traces(data, features, outline), layout,
      { displaylogo: false, responsive: true, scrollZoom: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] });
  };

  const show = (view) => {
    return json(viewUrl(view)).then((data) => Promise.all([
      data,
      Promise.all(data.boundaries.map(boundaries)),
      data.outline ? boundaries(data.outline) : null,
    ])).then(([data, collections, outline]) => {
      const wanted = new Set(data.regions.map((r) => r.code));
      const features = collections.flatMap((c) => c.features.filter((f) => wanted.has(f.id)));
      current = data;
      trail(data);
      legend(data);
      missing(data);
      panel.dataset.view = `${data.view.level}:${data.view.within || ""}`;
      return draw(data, features, outline);
    }).then(() => {
      const withResult = current.regions.filter((r) => r.has_result).length;
      statusLine.textContent = panel.dataset.count.replace("{with}", withResult)
        .replace("{total}", current.regions.length);
      panel.dataset.ready = panel.dataset.view;
    }).catch(() => {
      statusLine.textContent = panel.dataset.error;
      panel.dataset.failed = "true";
    });
  };

  const start = () => loadPlotly().then((full) => {
    plotly = full;
    return show({});
  }).then(() => {
    canvas.on("plotly_click", (event) => {
      const point = event.points && event.points[0];
      if (!point || !current) return;
      const region = current.regions.find((r) => r.code === point.location);
      if (region && region.drill) {
        plotly.Fx.unhover(canvas);
        show(region.drill);
      }
    });
  }).catch(() => {
    statusLine.textContent = panel.dataset.error;
    panel.dataset.failed = "true";
  });

  if ("IntersectionObserver" in window) {
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        observer.disconnect();
        start();
      }
    }, { rootMargin: "300px" });
    observer.observe(panel);
  } else {
    start();
  }
})();
