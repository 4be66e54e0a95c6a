// The heatmap overlay: drawn by the player page over a paused, rebuilt recorded page.
//
// It is our code in the player page, never in the recorded document: it reads the rebuilt document only
// to find elements by their stable selectors (querySelector) and measure their boxes, and it writes only
// to a layer of its own in the player page, with text set as text (never markup). The recorded document
// stays in rrweb's iframe, sandboxed without scripts, and nothing here adds script to it.
//
// Click positions arrive as page positions (the recorded viewport position plus the document's scroll);
// where a click fell within its element needs the element's box, which only this laid-out page has. A
// click whose page position lies inside its element's box here is drawn where it fell (its position
// relative to the element is the same as recorded); otherwise (another viewport or layout) it is drawn at
// the element's centre, and counted as such in the answer.
'use strict';

const ReplayHeatmap = (function () {
  const MAX_ELEMENTS = 400;
  const BADGES = 10; // the most clicked elements carry their count, for an exported image
  const SPOT_RADIUS = 18;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  let state = null;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function hide() {
    if (!state) return;
    document.removeEventListener('wheel', state.onWheel);
    if (state.observer) state.observer.disconnect();
    state.replayer.wrapper.classList.remove('heatmap-on');
    state.layer.remove();
    state = null;
  }

  // `json`: {elements: [{selector, label, clicks, visits, replays, rage, dead}], spots: [[element index,
  // page x, page y, clicks]], scroll: {page_height_px, fold_px, visits, depths: [[percent, share]]},
  // modes: {clicks, heat, scroll}, caption, scroll_to_top, token}. The answer carries the token back.
  function show(replayer, json, bridge) {
    hide();
    let data = null;
    try {
      data = JSON.parse(json);
    } catch (err) {
      data = null;
    }
    if (!data || typeof data !== 'object') {
      bridge.heatmapShown(JSON.stringify({ error: 'the heatmap could not be read', token: null }));
      return;
    }
    const token = data.token === undefined ? null : data.token;
    if (!replayer || !replayer.iframe || !replayer.iframe.contentDocument) {
      bridge.heatmapShown(JSON.stringify({ error: 'no page is shown', token }));
      return;
    }
    const iframe = replayer.iframe;
    const layer = el('div', 'heatmap-layer');
    layer.setAttribute('aria-label', 'Heatmap');
    replayer.wrapper.appendChild(layer);
    replayer.wrapper.classList.add('heatmap-on'); // the recorded pointer is not part of a heatmap
    state = { replayer, iframe, data, layer, bridge, onWheel: null, observer: null };
    state.onWheel = (event) => {
      const view = iframe.contentWindow;
      if (!view) return;
      view.scrollBy(event.deltaX, event.deltaY);
      requestAnimationFrame(draw);
    };
    document.addEventListener('wheel', state.onWheel, { passive: true });
    if (data.scroll_to_top && iframe.contentWindow) iframe.contentWindow.scrollTo(0, 0);
    const mine = state;
    // Boxes are measured once the page's fonts are in and it has been laid out; a later change of the
    // page's size (a late stylesheet or image) draws the overlay again.
    settled(iframe.contentDocument).then(() => afterLayout(() => {
      if (state !== mine) return;
      const answer = draw();
      answer.token = token;
      if (typeof ResizeObserver === 'function' && iframe.contentDocument) {
        mine.observer = new ResizeObserver(() => requestAnimationFrame(() => { if (state === mine) draw(); }));
        mine.observer.observe(iframe.contentDocument.documentElement);
      }
      bridge.heatmapShown(JSON.stringify(answer));
    }));
  }

  function settled(doc) {
    const fonts = doc && doc.fonts && doc.fonts.ready ? doc.fonts.ready : Promise.resolve();
    return Promise.race([fonts, new Promise((resolve) => setTimeout(resolve, 1000))]).catch(() => undefined);
  }

  function afterLayout(callback) {
    requestAnimationFrame(() => requestAnimationFrame(callback));
  }

  function draw() {
    if (!state) return null;
    const { iframe, data, layer } = state;
    const doc = iframe.contentDocument;
    const view = iframe.contentWindow;
    const width = Number(iframe.getAttribute('width')) || iframe.clientWidth;
    const height = Number(iframe.getAttribute('height')) || iframe.clientHeight;
    const scrollX = view ? view.scrollX : 0;
    const scrollY = view ? view.scrollY : 0;
    layer.textContent = '';
    layer.style.width = `${width}px`;
    layer.style.height = `${height}px`;
    const modes = data.modes || {};
    const elements = Array.isArray(data.elements) ? data.elements.slice(0, MAX_ELEMENTS) : [];
    const boxes = elements.map((element) => boxOf(doc, element && element.selector));
    const answer = { found: 0, missing: 0, spots_in_place: 0, spots_centred: 0, spots_missing: 0, scroll_y: scrollY };
    boxes.forEach((box) => { if (box) answer.found += 1; else answer.missing += 1; });
    if (modes.scroll) drawScroll(layer, data.scroll, width, height, scrollY);
    if (modes.heat) drawHeat(layer, data.spots, boxes, width, height, scrollX, scrollY, answer);
    if (modes.clicks) drawElements(layer, elements, boxes);
    if (typeof data.caption === 'string' && data.caption) layer.appendChild(el('div', 'heatmap-caption', data.caption));
    return answer;
  }

  function boxOf(doc, selector) {
    if (!doc || typeof selector !== 'string' || !selector || selector === 'the page') return null;
    let found = null;
    try {
      found = doc.querySelector(selector);
    } catch (err) {
      return null; // not a selector this browser reads
    }
    if (!found) return null;
    const rect = found.getBoundingClientRect();
    if (rect.width <= 0 || rect.height <= 0) return null;
    return rect;
  }

  function drawElements(layer, elements, boxes) {
    const most = Math.max(1, ...elements.map((e) => Number(e.clicks) || 0));
    const total = elements.reduce((sum, e) => sum + (Number(e.clicks) || 0), 0) || 1;
    const tip = el('div', 'heatmap-tip');
    tip.hidden = true;
    elements.forEach((element, index) => {
      const box = boxes[index];
      if (!box) return;
      const clicks = Number(element.clicks) || 0;
      const share = clicks / most;
      const spot = el('div', 'heatmap-element');
      spot.style.left = `${box.left}px`;
      spot.style.top = `${box.top}px`;
      spot.style.width = `${box.width}px`;
      spot.style.height = `${box.height}px`;
      spot.style.background = `rgba(255, 72, 0, ${(0.12 + 0.5 * share).toFixed(3)})`;
      spot.style.borderColor = `rgba(214, 40, 0, ${(0.45 + 0.55 * share).toFixed(3)})`;
      spot.dataset.selector = String(element.selector);
      const percent = (100 * clicks / total).toFixed(1);
      const lines = [
        String(element.label || element.selector),
        `${clicks} clicks (${percent} %) · ${element.visits} visits · ${element.replays} replays`,
      ];
      if (element.rage || element.dead) lines.push(`${element.rage} rage · ${element.dead} dead`);
      lines.push('Click to list the replays');
      spot.addEventListener('mouseenter', () => {
        tip.textContent = lines.join('\n');
        tip.style.left = `${box.left}px`;
        tip.style.top = `${box.bottom + 4}px`;
        tip.hidden = false;
      });
      spot.addEventListener('mouseleave', () => { tip.hidden = true; });
      spot.addEventListener('click', (event) => {
        event.stopPropagation();
        if (state) state.bridge.heatmapElementChosen(String(element.selector));
      });
      if (index < BADGES) spot.appendChild(el('span', 'heatmap-badge', String(clicks)));
      layer.appendChild(spot);
    });
    layer.appendChild(tip);
  }

  function drawHeat(layer, spots, boxes, width, height, scrollX, scrollY, answer) {
    if (!Array.isArray(spots) || !spots.length) return;
    const canvas = el('canvas', 'heatmap-heat');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d');
    const points = [];
    let most = 1;
    for (const spot of spots) {
      if (!Array.isArray(spot) || spot.length < 4) continue;
      const [index, pageX, pageY, clicks] = spot.map(Number);
      const box = boxes[index];
      if (!box) { answer.spots_missing += clicks; continue; }
      // The element's box on the page (not the viewport): where the recorded page position is compared.
      const left = box.left + scrollX;
      const top = box.top + scrollY;
      let x = pageX;
      let y = pageY;
      if (pageX >= left - 4 && pageX <= left + box.width + 4 && pageY >= top - 4 && pageY <= top + box.height + 4) {
        answer.spots_in_place += clicks;
      } else {
        x = left + box.width / 2;
        y = top + box.height / 2;
        answer.spots_centred += clicks;
      }
      points.push([x - scrollX, y - scrollY, clicks]);
      most = Math.max(most, clicks);
    }
    // Intensity first (alpha adds up), then coloured from blue through green and yellow to red.
    context.globalCompositeOperation = 'lighter';
    for (const [x, y, clicks] of points) {
      if (x < -SPOT_RADIUS || y < -SPOT_RADIUS || x > width + SPOT_RADIUS || y > height + SPOT_RADIUS) continue;
      const gradient = context.createRadialGradient(x, y, 0, x, y, SPOT_RADIUS);
      const strength = 0.25 + 0.75 * Math.sqrt(clicks / most);
      gradient.addColorStop(0, `rgba(0, 0, 0, ${strength.toFixed(3)})`);
      gradient.addColorStop(1, 'rgba(0, 0, 0, 0)');
      context.fillStyle = gradient;
      context.fillRect(x - SPOT_RADIUS, y - SPOT_RADIUS, SPOT_RADIUS * 2, SPOT_RADIUS * 2);
    }
    const image = context.getImageData(0, 0, width, height);
    const pixels = image.data;
    for (let i = 3; i < pixels.length; i += 4) {
      const alpha = pixels[i];
      if (!alpha) continue;
      const [r, g, b] = ramp(Math.min(1, alpha / 255));
      pixels[i - 3] = r;
      pixels[i - 2] = g;
      pixels[i - 1] = b;
      pixels[i] = Math.min(220, 60 + alpha);
    }
    context.globalCompositeOperation = 'source-over';
    context.putImageData(image, 0, 0);
    layer.appendChild(canvas);
  }

  function ramp(value) {
    const stops = [[0, [40, 90, 255]], [0.35, [0, 220, 120]], [0.65, [255, 230, 0]], [1, [255, 30, 0]]];
    for (let i = 1; i < stops.length; i++) {
      if (value <= stops[i][0]) {
        const [v0, c0] = stops[i - 1];
        const [v1, c1] = stops[i];
        const t = (value - v0) / (v1 - v0);
        return c0.map((c, k) => Math.round(c + (c1[k] - c) * t));
      }
    }
    return stops[stops.length - 1][1];
  }

  function drawScroll(layer, scroll, width, height, scrollY) {
    if (!scroll || !scroll.page_height_px || !Array.isArray(scroll.depths) || !scroll.depths.length) return;
    const pageHeight = Number(scroll.page_height_px);
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('class', 'heatmap-scroll');
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    const depths = scroll.depths.filter((d) => Array.isArray(d) && d.length >= 2).map((d) => [Number(d[0]), Number(d[1])]);
    for (let i = 0; i < depths.length; i++) {
      const [percent, share] = depths[i];
      const next = i + 1 < depths.length ? depths[i + 1][0] : 100;
      const top = (percent / 100) * pageHeight - scrollY;
      const bottom = (Math.max(next, percent + 0.5) / 100) * pageHeight - scrollY;
      if (bottom < 0 || top > height) continue;
      const band = document.createElementNS(SVG_NS, 'rect');
      band.setAttribute('x', '0');
      band.setAttribute('y', String(Math.max(0, top)));
      band.setAttribute('width', String(width));
      band.setAttribute('height', String(Math.max(0, Math.min(height, bottom) - Math.max(0, top))));
      // Reached by every visit: left clear; the fewer visits reached a depth, the darker it is veiled.
      band.setAttribute('fill', `rgba(16, 28, 84, ${(0.55 * (1 - share)).toFixed(3)})`);
      svg.appendChild(band);
    }
    layer.appendChild(svg);
    for (const [percent, share] of depths) {
      if (percent % 10 !== 0 || percent === 0) continue;
      const y = (percent / 100) * pageHeight - scrollY;
      if (y < 0 || y > height) continue;
      const mark = el('div', 'heatmap-depth');
      mark.appendChild(el('span', '', `${Math.round(share * 100)} % of visits reached ${percent} %`));
      mark.style.top = `${y}px`;
      layer.appendChild(mark);
    }
    if (scroll.fold_px) {
      const y = Number(scroll.fold_px) - scrollY;
      if (y >= 0 && y <= height) {
        const fold = el('div', 'heatmap-fold');
        fold.appendChild(el('span', '', `Fold: the median viewport, ${Math.round(Number(scroll.fold_px))} px`));
        fold.style.top = `${y}px`;
        layer.appendChild(fold);
      }
    }
  }

  return { show, hide, redraw: draw };
})();
