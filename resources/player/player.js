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
    if (replayer) {
      try { replayer.pause(); replayer.destroy(); } catch (err) { /* already torn down */ }
    }
    replayer = null;
    stage.textContent = '';
  }

  async function fetchChunk(baseUrl, index) {
    const response = await fetch(`${baseUrl}/${index}`);
    if (!response.ok) throw new Error(`chunk ${index} could not be read (${response.status})`);
    return response.json();
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
      for (let index = 1; index < chunkCount; index++) {
        const events = await fetchChunk(baseUrl, index);
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
      for (let index = 0; index < chunkCount; index++) {
        const events = await fetchChunk(baseUrl, index);
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

  function runPendingSeek(mine) {
    const pending = mine.pendingSeek;
    if (pending && (mine.complete || pending.at <= mine.loadedUntil)) {
      mine.pendingSeek = null;
      seekNow(pending.at, pending.play, pending.token);
    }
  }

  function seekNow(at, play, token) {
    at = Math.max(at, load.firstPage);
    if (play) replayer.play(at); else replayer.pause(at);
    afterPaint(() => bridge.seeked(load.generation, token, replayer.getCurrentTime()));
  }

  function seek(at, play, token) {
    if (!load) return;
    // Before the first chunk is in, or past what has arrived: seek once the events are there.
    if (!replayer || (!load.complete && at > load.loadedUntil)) {
      load.pendingSeek = { at, play, token };
      return;
    }
    seekNow(at, play, token);
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
    bridge.unloadRequested.connect(unload);
    bridge.appendRequested.connect(appendChunks);
    bridge.pageReady();
  });
})();
