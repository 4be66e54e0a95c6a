// The player page: rrweb's Replayer driven by the desktop app through one QWebChannel bridge.
// Events arrive in chunks over the app's URL scheme; the first chunk is shown before the rest load.
'use strict';

(function () {
  const stage = document.getElementById('stage');
  const loading = document.getElementById('loading');
  let bridge = null;
  let replayer = null;
  let viewport = { width: 0, height: 0 };
  // One load at a time; `generation` tells late answers of an older load apart.
  let load = null;
  // Keyframes of the loaded replay, built in the background once all its events are here.
  let keyframes = null;
  // 'keyframes' (the player's seek), or for comparing against rrweb alone: 'rrweb' (its seek, incremental
  // forward) and 'fresh' (every seek rebuilt from the page load, as from the recording's first event).
  let seekMode = 'keyframes';
  // How often keyframes are made (null: the defaults in keyframes.js); everyEvents 0 makes none.
  let keyframeSpacing = null;
  let lastSeekPath = 'none'; // how the last seek got there: 'keyframe <ms>', 'rrweb' or 'fresh'

  function fit() {
    if (!replayer || !viewport.width || !viewport.height) return;
    const scale = Math.min(stage.clientWidth / viewport.width, stage.clientHeight / viewport.height);
    const left = (stage.clientWidth - viewport.width * scale) / 2;
    const top = (stage.clientHeight - viewport.height * scale) / 2;
    replayer.wrapper.style.transform = `translate(${left}px, ${top}px) scale(${scale})`;
  }

  function afterPaint(callback) {
    requestAnimationFrame(() => requestAnimationFrame(callback));
  }

  function destroyReplayer() {
    ReplayHeatmap.hide();
    if (keyframes) keyframes.stop();
    keyframes = null;
    if (replayer) {
      try { replayer.pause(); replayer.destroy(); } catch (err) { /* already torn down */ }
    }
    replayer = null;
    stage.textContent = '';
  }

  async function fetchChunk(baseUrl, index) {
    const response = await fetch(`${baseUrl}/${index}`);
    if (!response.ok) throw new Error(`chunk ${index} could not be read (${response.status})`);
    return ReplayKeyframes.keepRemovals(await response.json());
  }

  // Chunks `from`..`count - 1` in order, each asked for while the one before is being added: the app
  // serialises the next chunk (in its own process) while this page parses and adds the last one.
  async function* chunksFrom(baseUrl, from, count) {
    const ask = (index) => {
      const answer = fetchChunk(baseUrl, index);
      answer.catch(() => {}); // a load given up before reaching it must not leave an unhandled failure
      return answer;
    };
    let next = from < count ? ask(from) : null;
    for (let index = from; index < count; index++) {
      const events = await next;
      next = index + 1 < count ? ask(index + 1) : null;
      yield [index, events];
    }
  }

  async function startLoad(baseUrl, chunkCount, generation, speed) {
    destroyReplayer();
    load = { generation, loadedUntil: -Infinity, complete: false, pendingSeek: null, origin: 0, firstPage: 0 };
    const mine = load;
    mine.ready = new Promise((resolve) => { mine.markReady = resolve; });
    loading.hidden = false;
    try {
      const first = await fetchChunk(baseUrl, 0);
      if (mine !== load) return;
      mine.origin = first[0].timestamp;
      const snapshot = first.find((event) => event.type === 2);
      // Before its first snapshot a recording has no page; show that first page instead of a stale one.
      mine.firstPage = snapshot ? snapshot.timestamp - mine.origin + 1 : 0;
      createReplayer(first, speed, generation);
      mine.loadedUntil = first[first.length - 1].timestamp - mine.origin;
      bridge.chunksLoaded(generation, 1, mine.loadedUntil);
      mine.complete = chunkCount === 1 && !mine.appending;
      runPendingSeek(mine);
      for await (const [index, events] of chunksFrom(baseUrl, 1, chunkCount)) {
        if (mine !== load) return;
        for (const event of events) replayer.addEvent(event);
        // addEvent hands each event over in a microtask; let them land before seeking past them.
        await Promise.resolve();
        mine.loadedUntil = events[events.length - 1].timestamp - mine.origin;
        bridge.chunksLoaded(generation, index + 1, mine.loadedUntil);
        runPendingSeek(mine);
      }
      mine.complete = !mine.appending;
      runPendingSeek(mine);
      buildKeyframes(mine);
    } catch (err) {
      if (mine === load) bridge.loadFailed(generation, String(err && err.message ? err.message : err));
    } finally {
      mine.markReady(); // appended events go after every event of the load
    }
  }

  async function appendChunks(baseUrl, chunkCount, generation) {
    const mine = load;
    if (!mine || mine.generation !== generation) return;
    // Seeks past what is here wait for these events; appends run in the order they were asked for.
    mine.complete = false;
    const previous = mine.appending || mine.ready;
    let finish;
    const appending = new Promise((resolve) => { finish = resolve; });
    mine.appending = appending;
    await previous;
    if (mine !== load || !replayer) return;
    try {
      for await (const [, events] of chunksFrom(baseUrl, 0, chunkCount)) {
        if (mine !== load) return;
        for (const event of events) replayer.addEvent(event);
        await Promise.resolve();
        mine.loadedUntil = Math.max(mine.loadedUntil, events[events.length - 1].timestamp - mine.origin);
      }
      if (mine.appending === appending) {
        mine.appending = null;
        mine.complete = true;
      }
      bridge.chunksLoaded(generation, -1, mine.loadedUntil);
      runPendingSeek(mine);
      buildKeyframes(mine);
    } catch (err) {
      if (mine === load) bridge.loadFailed(generation, String(err && err.message ? err.message : err));
    } finally {
      finish();
    }
  }

  function createReplayer(events, speed, generation) {
    replayer = new rrweb.Replayer(events, {
      root: stage,
      speed: speed,
      skipInactive: false, // the app jumps over inactivity itself; rrweb would fast-forward
      showWarning: false,
      mouseTail: false,
      triggerFocus: true,
      UNSAFE_replayCanvas: false,
      pauseAnimation: true,
      loadTimeout: 2000,
    });
    replayer.on('resize', (dimension) => {
      viewport = { width: dimension.width, height: dimension.height };
      fit();
      bridge.viewportChanged(dimension.width, dimension.height);
    });
    replayer.on('finish', () => bridge.finished(generation));
    let shown = false;
    replayer.on('fullsnapshot-rebuilded', () => {
      if (shown) return;
      shown = true;
      loading.hidden = true;
      fit();
      afterPaint(() => bridge.firstFrameShown(generation));
    });
  }

  function hiddenRoot() {
    // Never laid out: keyframes take scroll offsets from the recorded events, and values and rules from
    // the DOM and the CSSOM, which need no layout.
    const root = document.createElement('div');
    root.setAttribute('aria-hidden', 'true');
    root.style.cssText = 'display:none;';
    document.body.appendChild(root);
    return root;
  }

  function buildKeyframes(mine) {
    if (mine !== load || !replayer || mine.keyframesAwaited) return;
    // Kept keyframes are checked against the events (how many come before each): with more of them on
    // their way, none would match yet. The append builds when it is in.
    if (mine.storedKeyframes && mine.appending) return;
    if (keyframeSpacing && keyframeSpacing.everyEvents <= 0) {
      bridge.keyframesBuilt(mine.generation, 0, mine.loadedUntil, true, 0);
      return;
    }
    if (!keyframes) {
      const generation = mine.generation;
      const built = replayer;
      keyframes = new ReplayKeyframes.Builder(
        () => built.service.state.context.events,
        hiddenRoot,
        (count, doneUntil, finished) => {
          if (mine !== load) return;
          if (keyframes.failure) bridge.pageError(`keyframes stopped: ${keyframes.failure}`);
          bridge.keyframesBuilt(generation, count, doneUntil, finished, keyframes.buildMs);
        },
        keyframeSpacing,
        (keyframe) => {
          // The app keeps the keyframes of a cached replay, so that it seeks fast when opened again.
          if (mine !== load) return;
          const loaded = JSON.stringify(Array.from(keyframe.loaded));
          bridge.keyframeKept(generation, keyframe.at, keyframe.before, keyframe.total, keyframe.json, loaded);
        },
        () => built.service.state.matches('playing'),
        () => !mine.complete,
      );
    }
    const builder = keyframes;
    // Keyframes the app kept from an earlier opening come first: building goes on after the last of them.
    const stored = mine.storedKeyframes;
    mine.storedKeyframes = null;
    if (stored) mine.restoring = stored.then((list) => { if (builder === keyframes) builder.restore(list); });
    (mine.restoring || Promise.resolve()).then(() => { if (mine === load && builder === keyframes) builder.start(); });
  }

  // A first page shown ahead of the rest builds no keyframes: those kept of the whole replay are offered
  // with it, and are taken only by a builder that has made none.
  function awaitKeyframes(generation) {
    if (load && load.generation === generation) load.keyframesAwaited = true;
  }

  function offerKeyframes(url, generation) {
    if (!load || load.generation !== generation) return;
    load.storedKeyframes = fetch(url)
      .then((response) => (response.ok ? response.json() : []))
      .catch(() => []);
    const awaited = load.keyframesAwaited;
    load.keyframesAwaited = false;
    // Events still coming (the rest of the replay) build when they are in; else build now.
    if (awaited && load.complete && !load.appending) buildKeyframes(load);
  }

  function runPendingSeek(mine) {
    const pending = mine.pendingSeek;
    if (pending && (mine.complete || pending.at <= mine.loadedUntil)) {
      mine.pendingSeek = null;
      seekNow(pending.at, pending.play, pending.token, pending.decorate);
    }
  }

  function seekNow(at, play, token, decorate) {
    at = Math.max(at, load.firstPage);
    const context = replayer.service.state.context;
    if (seekMode === 'fresh') context.lastPlayedEvent = null;
    const keyframe = seekMode === 'keyframes' && keyframes
      ? keyframes.choose(context.events[0].timestamp + at, ReplayKeyframes.lastPlayedOf(context))
      : null;
    lastSeekPath = keyframe ? `keyframe ${keyframe.at - context.events[0].timestamp}` : (seekMode === 'fresh' ? 'fresh' : 'rrweb');
    const last = ReplayKeyframes.lastPlayedOf(context);
    if (keyframe || !last || last.adjusted >= context.events[0].timestamp + at) {
      // The page is rebuilt: it must not keep the scroll offset of the moment shown before (the
      // browser keeps a document's offset across rrweb's rebuild, where the page is long enough).
      replayer.iframe.contentWindow.scrollTo(0, 0);
    }
    if (keyframe) ReplayKeyframes.seekFrom(replayer, keyframe, at, play);
    else if (play) replayer.play(at);
    else replayer.pause(at);
    if (decorate) {
      // An exported frame names itself by its strip's colour: answer now, the grab waits for the paint.
      decorate();
      bridge.seeked(load.generation, token, replayer.getCurrentTime());
      return;
    }
    afterPaint(() => bridge.seeked(load.generation, token, replayer.getCurrentTime()));
  }

  function seek(at, play, token, decorate) {
    if (!load) return;
    // Before the first chunk is in, or past what has arrived: seek once the events are there.
    if (!replayer || (!load.complete && at > load.loadedUntil)) {
      load.pendingSeek = { at, play, token, decorate };
      return;
    }
    seekNow(at, play, token, decorate);
  }

  // Export (viewer/export): frames drawn one at a time at exact times with the replay paused. The pointer
  // and click ripples are placed where the recording has them at that moment (rrweb's paused seek puts
  // the pointer at the end of the last whole mouse-move batch), skipped inactivity gets a caption, and a
  // strip under the stage takes a colour that names the frame, so a grab can tell it holds this frame.
  const MARK_COLOURS = ['#ff0000', '#00ff00', '#0000ff', '#ffff00', '#ff00ff', '#00ffff'];
  let frameMark = null;
  let caption = null;

  function setExportMode(on) {
    document.body.classList.toggle('exporting', on);
    if (on && !frameMark) {
      frameMark = document.createElement('div');
      frameMark.id = 'frame-mark';
      caption = document.createElement('div');
      caption.id = 'export-caption';
      caption.hidden = true;
      document.body.append(frameMark, caption);
    }
    fit();
  }

  function exportFrame(at, pointer, ripples, text, token) {
    seek(at, false, token, () => decorateFrame(pointer, ripples, text, token));
  }

  function decorateFrame(pointer, ripples, text, token) {
    // Nothing in a frame may depend on wall time since the seek: no transitions, no blinking caret.
    const doc = replayer.iframe.contentDocument;
    if (doc && doc.documentElement && !doc.getElementById('replay-viewer-still')) {
      const still = doc.createElement('style');
      still.id = 'replay-viewer-still';
      still.textContent = '*, *::before, *::after { transition: none !important; caret-color: transparent !important; }';
      (doc.head || doc.documentElement).appendChild(still);
    }
    const mouse = replayer.mouse;
    const mirror = replayer.getMirror();
    for (const old of replayer.wrapper.querySelectorAll('.export-ripple')) old.remove();
    // rrweb maps a position through the frames of the node it names; a node since removed (a list
    // re-rendered by the click) leaves the position in the top document's coordinates, as most are.
    const place = (x, y, node) => {
      if (mirror.getNode(node)) replayer.moveAndHover(x, y, node, true, null);
      else { mouse.style.left = `${x}px`; mouse.style.top = `${y}px`; }
    };
    for (let i = 0; i + 3 < ripples.length; i += 4) {
      place(ripples[i], ripples[i + 1], ripples[i + 2]);
      const ripple = document.createElement('div');
      ripple.className = 'export-ripple';
      const age = ripples[i + 3];
      ripple.style.left = mouse.style.left;
      ripple.style.top = mouse.style.top;
      ripple.style.width = ripple.style.height = `${Math.round(16 + 40 * age)}px`;
      ripple.style.opacity = String(0.6 * (1 - age));
      replayer.wrapper.appendChild(ripple);
    }
    const shown = pointer.length === 3;
    if (shown) place(pointer[0], pointer[1], pointer[2]);
    mouse.style.visibility = shown ? '' : 'hidden';
    caption.textContent = text;
    caption.hidden = !text;
    frameMark.style.background = MARK_COLOURS[token % MARK_COLOURS.length];
  }

  function pause() {
    if (!replayer) return;
    replayer.pause();
    if (load) bridge.paused(load.generation, replayer.getCurrentTime());
  }

  function deepText(node, out) {
    if (node.nodeType === Node.TEXT_NODE) {
      if (node.data.trim()) out.push(node.data);
      return;
    }
    if (node.nodeType === Node.ELEMENT_NODE) {
      const tag = node.tagName;
      if (tag === 'STYLE' || tag === 'SCRIPT' || tag === 'NOSCRIPT') return;
      if ((tag === 'INPUT' || tag === 'TEXTAREA') && node.value) out.push(node.value);
      if (node.shadowRoot) deepText(node.shadowRoot, out);
      if (tag === 'IFRAME') {
        try { if (node.contentDocument) deepText(node.contentDocument, out); } catch (err) { /* cross-origin */ }
      }
    }
    for (const child of node.childNodes) deepText(child, out);
  }

  function reportText(requestId) {
    const doc = replayer ? replayer.iframe.contentDocument : null;
    const body = doc ? doc.body : null;
    const visible = body ? body.innerText : '';
    const all = [];
    if (doc) deepText(doc, all);
    bridge.textReported(requestId, visible, all.join('\n'), replayer ? replayer.getCurrentTime() : -1);
  }

  // A line per node of the replayed document (and its shadow roots and iframes), named by its path,
  // with what a user could notice: attributes, text, input values, scroll offsets, CSSOM rules.
  function describeFrame(requestId) {
    const lines = [`seek ${lastSeekPath}`];
    const doc = replayer ? replayer.iframe.contentDocument : null;
    if (doc) {
      describeNode(doc, '', lines);
      lines.push(`viewport ${replayer.iframe.getAttribute('width')}x${replayer.iframe.getAttribute('height')}`);
      lines.push(`pointer ${replayer.mouse.style.left},${replayer.mouse.style.top}`);
    }
    bridge.digestReported(requestId, lines.join('\n'));
  }

  function describeNode(parent, path, lines) {
    if (parent.nodeType === Node.DOCUMENT_NODE) {
      const view = parent.defaultView;
      if (view) lines.push(`${path} scrolled ${view.scrollX},${view.scrollY}`);
      const active = parent.activeElement;
      if (active && active !== parent.body) lines.push(`${path} focus ${active.nodeName}#${active.id}`);
      const selection = view ? view.getSelection() : null;
      if (selection && selection.rangeCount && !selection.isCollapsed) {
        const text = JSON.stringify(selection.toString().slice(0, 200));
        lines.push(`${path} selection ${text} ${selection.anchorOffset}-${selection.focusOffset}`);
      }
    }
    parent.childNodes.forEach((child, index) => {
      const here = `${path}/${child.nodeName.toLowerCase()}[${index}]`;
      if (child.nodeType === Node.ELEMENT_NODE) {
        lines.push(here + describeElement(child));
        if (child.shadowRoot) describeNode(child.shadowRoot, `${here}/#shadow`, lines);
        if (child.nodeName === 'IFRAME' && child.contentDocument) describeNode(child.contentDocument, `${here}/#document`, lines);
        describeNode(child, here, lines);
      } else if (child.nodeType === Node.TEXT_NODE || child.nodeType === Node.COMMENT_NODE) {
        lines.push(`${here} ${JSON.stringify(child.data)}`);
      } else {
        lines.push(here);
      }
    });
  }

  function describeElement(element) {
    // A style attribute as the browser holds its declarations: the same style reads `#0f0` after rrweb set
    // the attribute's text and `rgb(0, 255, 0)` after it set properties (the keyframe builder's path).
    const value = (a) => (a.name === 'style' && element.style ? element.style.cssText : a.value);
    const parts = Array.from(element.attributes, (a) => `${a.name}=${JSON.stringify(value(a))}`).sort();
    if ('value' in element && /^(INPUT|TEXTAREA|SELECT)$/.test(element.nodeName)) {
      parts.push(`.value=${JSON.stringify(element.value)}`, `.checked=${element.checked}`);
    }
    if (element.scrollTop || element.scrollLeft) parts.push(`.scroll=${element.scrollLeft},${element.scrollTop}`);
    if (element.nodeName === 'STYLE' && element.sheet) {
      try {
        parts.push(`.rules=${JSON.stringify(Array.from(element.sheet.cssRules, (r) => r.cssText).join('\n'))}`);
      } catch (err) { parts.push('.rules=unreadable'); }
    }
    return parts.length ? ' ' + parts.join(' ') : '';
  }

  function setSeekMode(mode) {
    seekMode = mode;
  }

  function setKeyframeSpacing(everyMs, everyEvents, sliceEvents) {
    keyframeSpacing = { everyMs, everyEvents }; // for the next replay loaded
    if (sliceEvents > 0) keyframeSpacing.sliceEvents = keyframeSpacing.pausedSliceEvents = sliceEvents;
  }

  function setSpeed(speed) {
    if (replayer) replayer.setConfig({ speed });
  }

  function unload() {
    load = null;
    destroyReplayer();
    loading.hidden = true;
  }

  let lastPointerReport = 0;
  document.addEventListener('mousemove', () => {
    const now = Date.now();
    if (bridge && now - lastPointerReport > 200) {
      lastPointerReport = now;
      bridge.pointerMoved();
    }
  });
  document.addEventListener('dblclick', () => { if (bridge) bridge.doubleClicked(); });
  window.addEventListener('resize', fit);
  window.addEventListener('error', (event) => { if (bridge) bridge.pageError(String(event.message)); });

  new QWebChannel(qt.webChannelTransport, (channel) => {
    bridge = channel.objects.player;
    bridge.loadRequested.connect(startLoad);
    bridge.seekRequested.connect(seek);
    bridge.pauseRequested.connect(pause);
    bridge.speedRequested.connect(setSpeed);
    bridge.textRequested.connect(reportText);
    bridge.digestRequested.connect(describeFrame);
    bridge.seekModeRequested.connect(setSeekMode);
    bridge.keyframeSpacingRequested.connect(setKeyframeSpacing);
    bridge.keyframesOffered.connect(offerKeyframes);
    bridge.keyframesAwaited.connect(awaitKeyframes);
    bridge.unloadRequested.connect(unload);
    bridge.appendRequested.connect(appendChunks);
    bridge.exportModeRequested.connect(setExportMode);
    bridge.exportFrameRequested.connect(exportFrame);
    bridge.heatmapRequested.connect((json) => (json ? ReplayHeatmap.show(replayer, json, bridge) : ReplayHeatmap.hide()));
    bridge.pageReady();
  });
})();
