// survgraph viz page script: draws the graph JSON with vis-network and adds the legend, filters, search,
// neighbourhood and path highlighting, and tooltips. Every value from the data is put on the page with
// textContent, DOM properties or canvas text: never as HTML.
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var VEIL = "rgba(255, 255, 255, 0.82)";

  var data = JSON.parse(document.getElementById("survgraph-data").textContent);
  var details = data.details;
  var api = { ready: false, data: data };
  window.survgraphViz = api;

  // -- small DOM helpers (text only) ------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function safeHttpUrl(value) {
    if (typeof value !== "string") return null;
    try {
      var url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function swatch(shape, colour) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "swatch");
    svg.setAttribute("width", "18");
    svg.setAttribute("height", "18");
    svg.setAttribute("viewBox", "0 0 18 18");
    var item;
    var points = {
      diamond: "9,1 17,9 9,17 1,9",
      triangle: "9,2 17,16 1,16",
      star: "9,1 11.2,6.5 17,6.8 12.5,10.5 14,16.5 9,13.2 4,16.5 5.5,10.5 1,6.8 6.8,6.5",
    };
    if (points[shape]) {
      item = document.createElementNS(SVG, "polygon");
      item.setAttribute("points", points[shape]);
    } else if (shape === "square" || shape === "box") {
      item = document.createElementNS(SVG, "rect");
      item.setAttribute("x", shape === "box" ? "1" : "2");
      item.setAttribute("y", shape === "box" ? "4" : "2");
      item.setAttribute("width", shape === "box" ? "16" : "14");
      item.setAttribute("height", shape === "box" ? "10" : "14");
      item.setAttribute("rx", shape === "box" ? "2" : "0");
    } else if (shape === "database") {
      item = document.createElementNS(SVG, "path");
      item.setAttribute("d", "M3,4 a6,2.5 0 0 1 12,0 v10 a6,2.5 0 0 1 -12,0 z");
    } else {
      item = document.createElementNS(SVG, "circle");
      item.setAttribute("cx", "9");
      item.setAttribute("cy", "9");
      item.setAttribute("r", "7");
    }
    item.setAttribute("fill", colour);
    item.setAttribute("stroke", "#555");
    item.setAttribute("stroke-width", "0.8");
    svg.appendChild(item);
    return svg;
  }

  function lineSample(dashes, colour, width) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "swatch");
    svg.setAttribute("width", "34");
    svg.setAttribute("height", "10");
    var line = document.createElementNS(SVG, "line");
    line.setAttribute("x1", "1");
    line.setAttribute("y1", "5");
    line.setAttribute("x2", "33");
    line.setAttribute("y2", "5");
    line.setAttribute("stroke", colour);
    line.setAttribute("stroke-width", String(width));
    if (Array.isArray(dashes)) line.setAttribute("stroke-dasharray", dashes.join(" "));
    svg.appendChild(line);
    return svg;
  }

  var kindInfo = {};
  data.kinds.forEach(function (k) {
    kindInfo[k.label] = k;
  });

  // -- cards: the tooltip and the details panel ---------------------------------------------------

  function nodeName(id) {
    var d = details.nodes[id];
    return d ? d.name : id;
  }

  function fieldList(fields) {
    var dl = el("dl");
    fields.forEach(function (pair) {
      dl.appendChild(el("dt", null, pair[0]));
      dl.appendChild(el("dd", null, pair[1]));
    });
    return dl;
  }

  function sourceList(ids, withLinks) {
    var frag = document.createDocumentFragment();
    frag.appendChild(el("div", "sources-title", ids.length === 1 ? "Source" : "Sources (" + ids.length + ")"));
    var list = el("ol", "sources");
    ids.forEach(function (sid) {
      var s = data.sources[sid];
      var li = el("li");
      if (!s) {
        li.appendChild(el("span", "missing", sid + " (no source record)"));
      } else {
        li.appendChild(el("span", "publisher", s.publisher));
        li.appendChild(document.createTextNode(": "));
        li.appendChild(el("span", "title", s.title));
        if (s.kind) li.appendChild(el("span", "source-kind", " [" + s.kind.replace(/_/g, " ") + "]"));
        var when = s.date || s.date_note;
        if (s.date) li.appendChild(el("span", "date", " (" + s.date + ")"));
        if (!when) li.appendChild(el("span", "date", " (undated)"));
        var href = safeHttpUrl(s.url);
        if (href) {
          li.appendChild(el("br"));
          var link = el(withLinks ? "a" : "span", "url", s.url);
          if (withLinks) {
            link.href = href;
            link.target = "_blank";
            link.rel = "noopener noreferrer";
          }
          li.appendChild(link);
        } else if (s.url) {
          li.appendChild(el("span", "url", " " + s.url));
        }
      }
      list.appendChild(li);
    });
    frag.appendChild(list);
    return frag;
  }

  function confidenceBadge(conf) {
    var span = el("span", "badge", conf || "unknown");
    return span;
  }

  function nodeCard(id, withLinks) {
    var d = details.nodes[id];
    var card = el("div", "card");
    card.appendChild(el("h3", "name", d.name));
    var meta = el("p", "meta");
    var k = kindInfo[d.kind];
    if (k) meta.appendChild(swatch(k.shape, k.colour));
    meta.appendChild(el("span", "kind", d.kind));
    meta.appendChild(el("code", "id", d.id));
    if (d.confidence) meta.appendChild(confidenceBadge(d.confidence));
    card.appendChild(meta);
    var wd = safeHttpUrl(d.wikidataUrl);
    if (d.wikidata && wd) {
      var same = el("p", "wikidata");
      same.appendChild(document.createTextNode("Wikidata: "));
      var wdLink = el(withLinks ? "a" : "span", "wikidata-id", d.wikidata);
      if (withLinks) {
        wdLink.href = wd;
        wdLink.target = "_blank";
        wdLink.rel = "noopener noreferrer";
      }
      same.appendChild(wdLink);
      card.appendChild(same);
    }
    var fields = d.fields.slice();
    if (d.aliases.length) fields.unshift(["aliases", d.aliases.join(", ")]);
    if (fields.length) card.appendChild(fieldList(fields));
    if (d.description) {
      var text = withLinks || d.description.length <= 280 ? d.description : d.description.slice(0, 279) + "\u2026";
      card.appendChild(el("p", "desc", text));
    }
    if (d.sources.length) card.appendChild(sourceList(d.sources, withLinks));
    return card;
  }

  function edgeCard(id, withLinks) {
    var d = details.edges[id];
    var card = el("div", "card");
    card.appendChild(el("h3", "type", d.type));
    var ends = el("p", "ends");
    ends.appendChild(el("span", "from", nodeName(d.from)));
    ends.appendChild(document.createTextNode(" \u2192 "));
    ends.appendChild(el("span", "to", nodeName(d.to)));
    card.appendChild(ends);
    var meta = el("p", "meta");
    meta.appendChild(lineSample(dashesOf(d.confidence), "#555", 2));
    meta.appendChild(confidenceBadge(d.confidence));
    meta.appendChild(el("code", "id", d.id));
    card.appendChild(meta);
    if (d.fields.length) card.appendChild(fieldList(d.fields));
    card.appendChild(sourceList(d.sources, withLinks));
    return card;
  }

  function dashesOf(conf) {
    for (var i = 0; i < data.confidence.length; i++) {
      if (data.confidence[i].name === conf) return data.confidence[i].dashes;
    }
    return [2, 5];
  }

  // -- data sets and filters ----------------------------------------------------------------------

  var hiddenKinds = new Set();
  var hiddenTypes = new Set();

  // -- time and entities without claims ---------------------------------------------------------------
  // The slider shows the graph at the end of a year: a claim counts when it is in force on YYYY-12-31 (the
  // rule of survgraph.graph.time: a partial date is a whole period, an undated claim always counts), and the
  // entities left without any claim in force are hidden with their claims. Entities with no claim on the page
  // at all show only while the "without claims" switch is on. All from the page's own data: no request.
  var asOf = null; // "YYYY-12-31", or null: all dates
  var live = null; // the entities with a claim in force on asOf, or null: all dates
  var showUnconnected = data.showUnconnected === true;
  var unconnected = new Set(data.unconnected || []);
  var pinned = new Set(data.highlight.nodes); // what the page is about stays, whatever the date
  if (data.focus) pinned.add(data.focus);

  function inForce(eid) {
    if (asOf === null) return true;
    var d = details.edges[eid];
    if (!d) return false;
    if (typeof d.start === "string" && d.start > asOf) return false;
    return typeof d.end !== "string" || asOf.slice(0, d.end.length) <= d.end;
  }

  function setAsOf(day) {
    asOf = day;
    live = null;
    if (day === null) return;
    live = new Set();
    Object.keys(details.edges).forEach(function (eid) {
      if (!inForce(eid)) return;
      live.add(details.edges[eid].from);
      live.add(details.edges[eid].to);
    });
  }

  function hiddenBecause(id) {
    var d = details.nodes[id];
    if (!d) return "unknown";
    if (hiddenKinds.has(d.kind)) return "kind";
    if (unconnected.has(id)) return showUnconnected ? null : "unconnected";
    if (live !== null && !live.has(id) && !pinned.has(id)) return "time";
    return null;
  }

  function nodeShown(id) {
    return hiddenBecause(id) === null;
  }

  data.nodes.forEach(function (n) {
    if (!nodeShown(n.id)) n.hidden = true;
  });
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);

  var container = byId("network");
  var loading = byId("loading");
  var loadingText = byId("loading-text");
  if (data.large) {
    container.classList.add("laying-out");
    loadingText.textContent = "Drawing " + data.nodes.length + " entities\u2026";
  }
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);

  api.network = network;
  api.nodes = nodes;
  api.edges = edges;

  // -- styles: filters, witness paths, neighbourhood highlight ---------------------------------------
  // Filtering sets `hidden` (vis-network then also hides the edges of hidden nodes), so everything keeps
  // its place. Each item's current look is remembered as a key, and only items whose key changes are
  // updated: on a 5,000-node page, updating every item costs about two seconds. For the same reason a
  // neighbourhood is not highlighted by restyling everything else, but by veiling the drawing and
  // drawing the neighbourhood again on top (see "afterDrawing" below).

  var baseNode = new Map();
  data.nodes.forEach(function (n) {
    baseNode.set(n.id, { color: n.color, borderWidth: n.borderWidth || 1 });
  });
  var baseEdge = new Map();
  data.edges.forEach(function (e) {
    baseEdge.set(e.id, { color: e.color || null, width: e.width || null });
  });
  var pathNodes = new Set(data.highlight.nodes);
  var pathEdges = new Set(data.highlight.edges);
  var showPaths = true;
  var focus = null; // {nodes: Set, edges: Set} or null
  var nodeKey = new Map();
  var edgeKey = new Map();

  function edgeShown(id) {
    var d = details.edges[id];
    return !!d && !hiddenTypes.has(d.type) && inForce(id) && nodeShown(d.from) && nodeShown(d.to);
  }

  function nodeLook(id) {
    if (!nodeShown(id)) return "hidden";
    return pathNodes.has(id) && !showPaths ? "plain" : "base";
  }

  function edgeLook(id) {
    if (hiddenTypes.has(details.edges[id].type) || !inForce(id)) return "hidden";
    return pathEdges.has(id) && showPaths ? "path" : "base";
  }

  function nodeStyle(id, look) {
    var base = baseNode.get(id);
    var style = { id: id, hidden: look === "hidden", color: base.color, borderWidth: base.borderWidth };
    if (look === "plain") {
      style.color = Object.assign({}, base.color, { border: base.color.background });
      style.borderWidth = 1;
    }
    return style;
  }

  function edgeStyle(id, look) {
    var base = baseEdge.get(id);
    var style = {
      id: id,
      hidden: look === "hidden",
      color: { color: "#7f7f7f", inherit: false },
      width: 1.4,
    };
    if (look === "path" && base.color) {
      style.color = base.color;
      style.width = base.width;
    }
    return style;
  }

  function applyStyles() {
    var nodeChanges = [];
    baseNode.forEach(function (_, id) {
      var look = nodeLook(id);
      if (nodeKey.get(id) !== look) {
        nodeKey.set(id, look);
        nodeChanges.push(nodeStyle(id, look));
      }
    });
    var edgeChanges = [];
    baseEdge.forEach(function (_, id) {
      var look = edgeLook(id);
      if (edgeKey.get(id) !== look) {
        edgeKey.set(id, look);
        edgeChanges.push(edgeStyle(id, look));
      }
    });
    if (nodeChanges.length) nodes.update(nodeChanges);
    if (edgeChanges.length) edges.update(edgeChanges);
  }
  baseNode.forEach(function (_, id) {
    nodeKey.set(id, nodeShown(id) ? "base" : "hidden");
  });
  baseEdge.forEach(function (_, id) {
    edgeKey.set(id, pathEdges.has(id) ? "path" : "base");
  });

  // The kind legend counts the entities of each kind on show now (the time slider and the switch for
  // entities without claims hide some); a kind's own checkbox does not change its count.
  var kindCounts = new Map(); // label -> the legend's count element
  function updateKindCounts() {
    var counts = new Map();
    Object.keys(details.nodes).forEach(function (id) {
      var why = hiddenBecause(id);
      if (why !== null && why !== "kind") return;
      var kind = details.nodes[id].kind;
      counts.set(kind, (counts.get(kind) || 0) + 1);
    });
    kindCounts.forEach(function (span, label) {
      span.textContent = String(counts.get(label) || 0);
    });
  }

  function refilter() {
    applyStyles();
    updateKindCounts();
  }

  function highlightNeighbourhood(id) {
    // Neighbours through the claims on show only: a filtered-out claim does not make a neighbour.
    var near = new Set([id]);
    var touching = new Set();
    network.getConnectedEdges(id).forEach(function (eid) {
      if (!edgeShown(eid)) return;
      var d = details.edges[eid];
      touching.add(eid);
      near.add(d.from === id ? d.to : d.from);
    });
    focus = { nodes: near, edges: touching };
    network.redraw();
  }

  function highlightSet(nodeIds, edgeIds) {
    focus = { nodes: new Set(nodeIds), edges: new Set(edgeIds) };
    network.redraw();
  }

  function clearFocus() {
    focus = null;
    network.redraw();
    byId("details-section").hidden = true;
  }

  // The highlight: a veil over the whole drawing, then the focused claims and entities drawn again on top.
  network.on("afterDrawing", function (ctx) {
    if (!focus) return;
    var body = network.body;
    var topLeft = network.DOMtoCanvas({ x: 0, y: 0 });
    var bottomRight = network.DOMtoCanvas({ x: container.clientWidth, y: container.clientHeight });
    ctx.save();
    ctx.fillStyle = VEIL;
    ctx.fillRect(topLeft.x, topLeft.y, bottomRight.x - topLeft.x, bottomRight.y - topLeft.y);
    ctx.restore();
    var drawn = [];
    focus.edges.forEach(function (id) {
      var e = body.edges[id];
      if (e && e.connected && edgeShown(id)) drawn.push(e);
    });
    drawn.forEach(function (e) {
      e.draw(ctx);
    });
    drawn.forEach(function (e) {
      e.drawArrows(ctx);
    });
    var labels = [];
    focus.nodes.forEach(function (id) {
      var n = body.nodes[id];
      if (!n || !nodeShown(id)) return;
      var later = n.draw(ctx);
      if (later && later.drawExternalLabel) labels.push(later.drawExternalLabel);
    });
    labels.forEach(function (draw) {
      draw();
    });
  });

  function showDetails(card) {
    var box = byId("details");
    box.replaceChildren(card);
    byId("details-section").hidden = false;
  }

  function selectNode(id) {
    network.selectNodes([id]);
    highlightNeighbourhood(id);
    showDetails(nodeCard(id, true));
  }

  // -- panel: title, legend with kind filters, type filters, confidence legend ------------------------

  byId("title").textContent = data.title;
  byId("subtitle").textContent = data.subtitle;

  var kindList = byId("kinds");
  data.kinds.forEach(function (k) {
    var li = el("li", k.count ? null : "empty");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.dataset.kind = k.label;
    box.addEventListener("change", function () {
      if (box.checked) hiddenKinds.delete(k.label);
      else hiddenKinds.add(k.label);
      refilter();
    });
    var label = el("label", "check");
    label.title = k.description;
    label.appendChild(box);
    label.appendChild(swatch(k.shape, k.colour));
    label.appendChild(el("span", null, k.label));
    li.appendChild(label);
    var count = el("span", "count", k.count);
    count.dataset.kind = k.label;
    kindCounts.set(k.label, count);
    li.appendChild(count);
    kindList.appendChild(li);
  });
  updateKindCounts();

  var typeList = byId("types");
  data.edgeTypes.forEach(function (t) {
    if (!t.count) return; // a filter for claims that are not on the page would do nothing
    var li = el("li");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.dataset.type = t.name;
    box.addEventListener("change", function () {
      if (box.checked) hiddenTypes.delete(t.name);
      else hiddenTypes.add(t.name);
      refilter();
    });
    var label = el("label", "check");
    label.title = t.description;
    label.appendChild(box);
    label.appendChild(el("span", null, t.name));
    li.appendChild(label);
    li.appendChild(el("span", "count", t.count));
    typeList.appendChild(li);
  });

  // -- the time slider and the switch for entities without claims -------------------------------------

  if (unconnected.size) {
    var unconnectedToggle = byId("unconnected-toggle");
    byId("unconnected-row").hidden = false;
    byId("unconnected-count").textContent = String(unconnected.size);
    unconnectedToggle.checked = showUnconnected;
    unconnectedToggle.addEventListener("change", function () {
      showUnconnected = unconnectedToggle.checked;
      refilter();
    });
  }

  var years = Array.isArray(data.years) ? data.years : null;
  if (data.asOf) byId("time-note").textContent = "Only the claims in force on " + data.asOf + ".";
  if (years || data.asOf) byId("time-section").hidden = false;
  if (years) {
    var slider = byId("time-slider");
    var sliderLabel = byId("time-label");
    var nYears = years[1] - years[0] + 1; // positions 0 .. nYears-1 are years; the last one is "all dates"
    slider.min = "0";
    slider.max = String(nYears);
    slider.value = String(nYears);
    slider.hidden = false;
    byId("time-range").textContent = years[0] + " \u2013 " + years[1] + ", then all dates";
    var onSlide = function () {
      var position = Number(slider.value);
      if (position >= nYears) {
        setAsOf(null);
        sliderLabel.textContent = "all dates";
      } else {
        var year = years[0] + position;
        setAsOf(year + "-12-31");
        sliderLabel.textContent = "the end of " + year;
      }
      refilter();
    };
    slider.addEventListener("input", onSlide);
    slider.addEventListener("change", onSlide);
  }

  var confList = byId("confidence");
  data.confidence.forEach(function (c) {
    var li = el("li");
    li.appendChild(lineSample(c.dashes, "#555", 2));
    li.appendChild(el("span", null, c.name));
    confList.appendChild(li);
  });
  if (data.highlight.edges.length) {
    var li = el("li");
    li.appendChild(lineSample(false, data.pathColour, 4));
    li.appendChild(el("span", null, data.paths.length ? "on a witness path" : "in the result"));
    confList.appendChild(li);
  }

  // -- witness paths ----------------------------------------------------------------------------------

  if (data.paths.length || data.highlight.edges.length) {
    byId("paths-section").hidden = false;
    var toggle = byId("paths-toggle");
    toggle.addEventListener("change", function () {
      showPaths = toggle.checked;
      applyStyles();
    });
    var list = byId("paths");
    data.paths.forEach(function (p, i) {
      var li = el("li");
      var names = p.nodes.map(nodeName);
      var button = el("button", null, names.join(" \u2192 "));
      button.type = "button";
      button.dataset.path = String(i);
      button.addEventListener("click", function () {
        highlightSet(p.nodes, p.edges);
        network.selectNodes(p.nodes.filter(nodeShown));
        network.fit({ nodes: p.nodes.filter(nodeShown), animation: false });
      });
      li.appendChild(button);
      list.appendChild(li);
    });
  }

  // -- search -----------------------------------------------------------------------------------------

  var names = byId("search-names");
  var allIds = Object.keys(details.nodes);
  allIds
    .map(function (id) {
      return details.nodes[id].name;
    })
    .sort()
    .forEach(function (name) {
      var opt = document.createElement("option");
      opt.value = name;
      names.appendChild(opt);
    });

  function findNode(query) {
    var q = query.trim().toLowerCase();
    if (!q) return null;
    var best = null;
    var bestRank = 99;
    allIds.forEach(function (id) {
      var d = details.nodes[id];
      var name = String(d.name).toLowerCase();
      var rank = 99;
      if (id.toLowerCase() === q || name === q) rank = 0;
      else if (name.indexOf(q) === 0) rank = 1;
      else if (name.indexOf(q) >= 0) rank = 2;
      else if (d.aliases.some(function (a) { return String(a).toLowerCase().indexOf(q) >= 0; })) rank = 3;
      else if (id.toLowerCase().indexOf(q) >= 0) rank = 4;
      if (rank < bestRank || (rank === bestRank && best !== null && id < best)) {
        best = id;
        bestRank = rank;
      }
    });
    return best;
  }

  var status = byId("search-status");
  byId("search").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var query = byId("search-input").value;
    var id = findNode(query);
    if (!id) {
      status.textContent = "No entity matches \u201c" + query + "\u201d.";
      return;
    }
    var why = hiddenBecause(id);
    if (why !== null) {
      var reasons = {
        kind: "is hidden by the " + details.nodes[id].kind + " filter.",
        unconnected: "has no claim on this page (tick \u201cwithout claims\u201d to show it).",
        time: "has no claim in force at " + (asOf || "this date") + ".",
      };
      status.textContent = nodeName(id) + " " + (reasons[why] || "is hidden.");
      return;
    }
    status.textContent = "Found: " + nodeName(id);
    selectNode(id);
    network.focus(id, { scale: Math.max(network.getScale(), 1.2), animation: false });
    api.focused = id;
  });

  // -- tooltip, clicks ----------------------------------------------------------------------------------

  var tooltip = byId("tooltip");
  var stage = byId("stage");

  function showTooltip(card, pointer) {
    tooltip.replaceChildren(card);
    tooltip.hidden = false;
    var x = pointer.x + 14;
    var y = pointer.y + 14;
    var maxX = stage.clientWidth - tooltip.offsetWidth - 8;
    var maxY = stage.clientHeight - tooltip.offsetHeight - 8;
    tooltip.style.left = Math.max(4, Math.min(x, maxX)) + "px";
    tooltip.style.top = Math.max(4, Math.min(y, maxY)) + "px";
  }

  function hideTooltip() {
    tooltip.hidden = true;
    tooltip.replaceChildren();
  }

  network.on("hoverNode", function (p) {
    showTooltip(nodeCard(p.node, false), p.pointer.DOM);
  });
  network.on("hoverEdge", function (p) {
    if (details.edges[p.edge]) showTooltip(edgeCard(p.edge, false), p.pointer.DOM);
  });
  network.on("blurNode", hideTooltip);
  network.on("blurEdge", hideTooltip);
  network.on("dragStart", hideTooltip);
  network.on("zoom", hideTooltip);

  network.on("click", function (p) {
    if (p.nodes.length) {
      selectNode(p.nodes[0]);
    } else if (p.edges.length && details.edges[p.edges[0]]) {
      var d = details.edges[p.edges[0]];
      highlightSet([d.from, d.to], [d.id]);
      showDetails(edgeCard(d.id, true));
    } else {
      clearFocus();
    }
  });

  // -- state for tests and the benchmark ------------------------------------------------------------------

  api.state = function () {
    var redEdges = 0;
    edges.forEach(function (e) {
      if (e.color && e.color.color === data.pathColour) redEdges += 1;
    });
    return {
      nodes: nodes.length,
      edges: edges.length,
      visibleNodes: nodes.get({ filter: function (n) { return !n.hidden; } }).length,
      visibleEdges: edges.getIds().filter(edgeShown).length,
      drawnNodes: network.body.nodeIndices.length,
      drawnEdges: network.body.edgeIndices.length,
      focusNodes: focus ? Array.from(focus.nodes).sort() : null,
      focusEdges: focus ? Array.from(focus.edges).sort() : null,
      pathEdgesShown: redEdges,
      asOf: asOf,
      showUnconnected: showUnconnected,
      selected: network.getSelectedNodes(),
      tooltip: tooltip.hidden ? null : tooltip.textContent,
      details: byId("details-section").hidden ? null : byId("details").textContent,
    };
  };
  // The entities and claims on show, by id (for the tests: what the slider and the switches leave).
  api.shown = function () {
    return {
      nodes: nodes.getIds().filter(function (id) { return !nodes.get(id).hidden; }).sort(),
      edges: edges.getIds().filter(function (id) { return edgeShown(id) && !edges.get(id).hidden; }).sort(),
      legend: Object.fromEntries(
        Array.from(kindCounts, function (pair) { return [pair[0], Number(pair[1].textContent)]; })
      ),
    };
  };
  api.edgeMidpoint = function (id) {
    var e = network.body.edges[id];
    var from = network.getPosition(e.fromId);
    var to = network.getPosition(e.toId);
    var straight = { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 };
    var mid = e.edgeType && e.edgeType.getPoint ? e.edgeType.getPoint(0.5) : straight;
    return network.canvasToDOM(mid);
  };

  // -- ready: when the layout has settled, or at the first frame of a page laid out already --------------

  function markReady() {
    if (api.ready) return;
    container.classList.remove("laying-out");
    loading.classList.add("done");
    var onShow = nodes.getIds().filter(nodeShown);
    network.fit(onShow.length ? { nodes: onShow, animation: false } : { animation: false });
    // fit() frames the nodes, not their labels: leave a margin for the labels at the edges.
    network.moveTo({ scale: network.getScale() * 0.9, animation: false });
    if (data.focus && details.nodes[data.focus]) {
      network.selectNodes([data.focus]);
    }
    network.once("afterDrawing", function () {
      api.ready = true;
      api.readyAt = performance.now();
      document.body.dataset.ready = "true";
    });
    network.redraw();
  }

  if (!data.nodes.length) {
    loadingText.textContent = "Nothing to show: no entity matches.";
    api.ready = true;
    document.body.dataset.ready = "true";
  } else if (data.options.physics.enabled === false) {
    // Positions came with the data (large graphs): usable as soon as it is drawn.
    network.once("afterDrawing", markReady);
  } else {
    loading.classList.add("done");
    network.once("stabilizationIterationsDone", markReady);
  }
})();
