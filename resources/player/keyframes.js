// Keyframes: the replayed page serialized as synthetic FullSnapshots at regular points of a recording,
// built in the background by a hidden second Replayer, so that a far seek rebuilds from the nearest
// keyframe instead of from the page load and applies only the events after it.
'use strict';

const ReplayKeyframes = (function () {
  // A keyframe at least every `everyMs` of recording time or `everyEvents` events since the last one,
  // whichever comes first; none in the first `everyEvents / 8` events of a page (the page load is one).
  // Events applied per background slice: few while the replay plays (a slice holds the page up), more
  // while it is paused. Each slice is one rrweb seek of the hidden Replayer; as it writes no page, its fixed
  // cost is small: on a 2-hour recording 300-event slices took 3.7-4.0 s in all, 1,500-event ones 3.5-3.6 s.
  const SPACING = { everyMs: 60 * 1000, everyEvents: 1500, sliceEvents: 300, pausedSliceEvents: 1500 };
  const FRESH_ID = 2 ** 30; // ids for nodes rrweb built without one; recorders count up from 1
  const META = 4;
  const FULL = 2;
  const INCREMENTAL = 3;
  const S = {
    mutation: 0, mouseMove: 1, interaction: 2, scroll: 3, resize: 4, input: 5, touchMove: 6,
    styleRule: 8, drag: 12, styleDeclaration: 13, selection: 14,
  };
  // Media, canvas, fonts, adopted stylesheets and custom elements leave state a snapshot of the DOM
  // does not hold: no keyframe is made after one of these until the next page load.
  const UNSUPPORTED = new Set([7, 9, 10, 15, 16]);
  const POINTER = new Set([S.mouseMove, S.touchMove, S.drag]);
  const FOCUS = 5;
  const BLUR = 6;
  const TOUCH = new Set([7, 9, 10]); // touch start, end, cancel
  const MOVES_POINTER = new Set([0, 1, 2, 7, 9]); // what rrweb moves its cursor to when seeking

  const copy = (value) => JSON.parse(JSON.stringify(value));
  // Making keyframes leaves much garbage (serialized documents, the virtual DOM's removed nodes), and
  // V8 grows its heap rather than collect it: on a 2-hour recording the page stayed ~350 MB larger after
  // the build than a collection leaves it. The app starts Chromium with V8's `gc` exposed to its own page
  // (recorded pages run no script), and the builder collects once when it is done. (Collecting during the
  // build too cut the peak by a fifth but made the build half as slow again.)
  const collect = () => { if (typeof gc === 'function') gc(); };
  // Most of that garbage is the nodes the recording adds and removes again (a busy 2-hour dashboard adds
  // 400,000), so the build also collects after every this many added nodes. On that recording (`bench
  // keyframes`) the app's peak memory was then 576 MB (PSS) instead of 825 MB, for a build of 4.0-4.6 s
  // instead of 3.5 s.
  const COLLECT_AFTER_ADDED_NODES = 50000;
  // A keyframe seek leaves the document it replaced, the parsed keyframe and the nodes the events after
  // it added and removed as garbage too, which V8 left uncollected: on the busy 2-hour recording 90
  // seeks grew the page by 190 MB, and one collection (184 ms) took back 100 MB. So the page collects
  // when idle after every so many keyframe seeks.
  const COLLECT_AFTER_KEYFRAME_SEEKS = 10;
  let keyframeSeeks = 0;
  const collectAfterKeyframeSeeks = () => {
    keyframeSeeks += 1;
    if (keyframeSeeks < COLLECT_AFTER_KEYFRAME_SEEKS) return;
    keyframeSeeks = 0;
    requestIdleCallback(collect, { timeout: 2000 });
  };

  function idsOf(root) {
    const ids = new Set();
    const walk = (node) => {
      ids.add(node.id);
      if (node.childNodes) node.childNodes.forEach(walk);
    };
    walk(root);
    return ids;
  }

  // What the frame at a moment needs that the DOM of the hidden Replayer does not say, tracked from
  // the events since the last page load (rrweb itself starts a seek from that page load's Meta).
  class PageState {
    constructor(meta) {
      this.href = meta ? meta.data.href : '';
      this.width = meta ? meta.data.width : 0;
      this.height = meta ? meta.data.height : 0;
      this.initialOffset = { top: 0, left: 0 };
      // Ids of the page load's snapshot: while rrweb applies a seek's events to its virtual DOM, a mouse
      // interaction finds its target only among these (in the real DOM), else rrweb ignores it.
      this.loaded = new Set();
      this.supported = true;
      this.events = 0;
      this.selection = null;
      this.focus = null;
      this.touch = null;
      this.pointer = null;
    }

    track(event) {
      this.events += 1;
      if (event.type === FULL) {
        this.initialOffset = event.data.initialOffset || { top: 0, left: 0 };
        this.loaded = idsOf(event.data.node);
        return;
      }
      if (event.type !== INCREMENTAL) return;
      const data = event.data;
      const source = data.source;
      if (UNSUPPORTED.has(source)) this.supported = false;
      else if (POINTER.has(source)) this.pointer = event;
      else if (source === S.resize) { this.width = data.width; this.height = data.height; }
      else if (source === S.selection) this.selection = data;
      else if (source === S.styleRule || source === S.styleDeclaration) {
        // Rules of a constructed stylesheet: rrweb's virtual DOM keeps them aside, not in a node. Told
        // apart as rrweb does, by truth: a recording may carry `styleId: null` with a node's rules.
        if (data.styleId || !data.id) this.supported = false;
      } else if (source === S.interaction && this.loaded.has(data.id)) {
        if (data.type === FOCUS || data.type === BLUR) this.focus = data;
        if (TOUCH.has(data.type)) this.touch = data;
        if (MOVES_POINTER.has(data.type)) this.pointer = event;
      }
    }
  }

  const emptyMutation = (timestamp) => ({
    type: INCREMENTAL, timestamp, data: { source: S.mutation, texts: [], attributes: [], removes: [], adds: [] },
  });

  // Events the hidden Replayer needs: pointer events only move rrweb's cursor and hover classes.
  function changesDocument(event) {
    if (event.type !== INCREMENTAL) return true;
    const source = event.data.source;
    return !POINTER.has(source) && source !== S.interaction;
  }

  // The index of the first event at or after `timestamp`.
  function lowerBound(events, timestamp) {
    let low = 0;
    let high = events.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (events[mid].timestamp < timestamp) low = mid + 1; else high = mid;
    }
    return low;
  }

  function upperBound(events, timestamp) {
    let low = 0;
    let high = events.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (events[mid].timestamp <= timestamp) low = mid + 1; else high = mid;
    }
    return low;
  }

  const NODE = { document: 0, doctype: 1, element: 2, text: 3, cdata: 4, comment: 5 };
  const PAGE_SCROLL = ['rr_scrollLeft', 'rr_scrollTop'];

  // The hidden Replayer's virtual DOM (rrweb's own, where its seeks apply events) serialized as a
  // FullSnapshot with the recording's ids, and what its DOM write would do after it (scroll offsets,
  // input values, CSSOM rules) as events after it, in the order that write does them.
  function capture(replayer, state, at) {
    if (!replayer.usingVirtualDom) return null;
    const mirror = replayer.virtualDom.mirror;
    let fresh = 0;
    const frames = [];
    const after = [];
    const idOf = (node) => {
      const meta = mirror.getMeta(node);
      return meta && meta.id > 0 ? meta.id : -1;
    };
    // rrweb's own <style> of injected rules, put before <head> of each document: the rebuild puts its own.
    const injected = (node, parent) => node.RRNodeType === NODE.element && node.tagName === 'STYLE'
      && parent.RRNodeType === NODE.element && parent.tagName === 'HTML' && idOf(node) < 0;
    const children = (parent, shadow) => {
      const list = [];
      for (let child = parent.firstChild; child; child = child.nextSibling) {
        if (injected(child, parent)) continue;
        const sn = serialize(child);
        if (!sn) continue;
        if (shadow) sn.isShadow = true;
        list.push(sn);
      }
      return list;
    };
    const serialize = (node) => {
      const meta = mirror.getMeta(node);
      // Nodes rrweb made itself (a style's or a textarea's text) have no id of the recording's.
      const id = meta && meta.id > 0 ? meta.id : FRESH_ID + fresh++;
      let sn;
      switch (node.RRNodeType) {
        case NODE.document:
          sn = { type: NODE.document, id, childNodes: children(node, false) };
          if (node.compatMode) sn.compatMode = node.compatMode;
          break;
        case NODE.doctype:
          sn = { type: NODE.doctype, id, name: node.name, publicId: node.publicId, systemId: node.systemId };
          break;
        case NODE.element:
          sn = element(node, meta, id);
          break;
        case NODE.text:
        case NODE.cdata:
        case NODE.comment:
          // A style's text is rrweb's text for replay already: without `isStyle` it is not adapted again.
          sn = { type: node.RRNodeType, id, textContent: node.data };
          break;
        default:
          return null;
      }
      if (meta && meta.rootId) sn.rootId = meta.rootId;
      if (node.scrollData) after.push(copy(node.scrollData));
      if (node.inputData) after.push(copy(node.inputData));
      if (node.rules && node.rules.length && id < FRESH_ID) for (const rule of node.rules) after.push(copy(rule));
      return sn;
    };
    const element = (node, meta, id) => {
      const recorded = meta && meta.type === NODE.element ? meta : null;
      // rrweb keeps an element's name in capitals; an SVG one's case matters (foreignObject).
      const tagName = recorded && recorded.isSVG ? recorded.tagName : node.tagName.toLowerCase();
      const attributes = { ...node.attributes };
      if (tagName === 'html' && typeof attributes.class === 'string') {
        // rrweb adds and removes `rrweb-paused` itself on every rebuild, as it did on the page load's.
        const kept = attributes.class.split(/\s+/).filter((c) => c && c !== 'rrweb-paused').join(' ');
        if (kept) attributes.class = kept; else delete attributes.class;
      }
      const sn = { type: NODE.element, id, tagName, attributes, childNodes: children(node, false) };
      if (recorded) {
        if (recorded.isSVG) sn.isSVG = true;
        if (recorded.isCustom) sn.isCustom = true;
        // What rrweb did with its own attributes (media state, a canvas's image) when it built the node;
        // not the recorded scroll offsets: a page load's come as Scroll events below, as rrweb set them.
        for (const name in recorded.attributes) {
          if (!name.startsWith('rr_') || PAGE_SCROLL.includes(name)) continue;
          if (name === 'rr_dataURL' && tagName === 'img') continue; // its `src` is that image already
          attributes[name] = recorded.attributes[name];
        }
        if (state.loaded.has(id) && PAGE_SCROLL.some((name) => recorded.attributes[name])) {
          const a = recorded.attributes;
          after.push({ source: S.scroll, id, x: a.rr_scrollLeft || 0, y: a.rr_scrollTop || 0 });
        }
      }
      if (node.shadowRoot) {
        sn.isShadowHost = true;
        sn.childNodes.push(...children(node.shadowRoot, true));
      }
      if (node.tagName === 'IFRAME' && node.contentDocument && idOf(node.contentDocument) > 0) {
        frames.push([id, node.contentDocument]);
      }
      return sn;
    };
    const node = serialize(replayer.virtualDom);
    const events = [
      { type: META, timestamp: at, data: { href: state.href, width: state.width, height: state.height } },
      { type: FULL, timestamp: at, data: { node, initialOffset: state.initialOffset } },
    ];
    const add = (data) => events.push({ type: INCREMENTAL, timestamp: at, data });
    // A mutation first, as after a page load: rrweb then applies what follows to its virtual DOM and
    // sets scroll offsets and input values when it writes the DOM, as a seek from the page load does
    // (set at once, a browser may put a rebuilt page back where the page shown before was scrolled).
    events.push(emptyMutation(at));
    // A frame's document after the frame, as recorders send it; every node's state after them all.
    for (let index = 0; index < frames.length; index++) {
      const [parentId, doc] = frames[index];
      add({ source: S.mutation, texts: [], attributes: [], removes: [],
        adds: [{ parentId, nextId: null, node: serialize(doc) }] });
    }
    // Focus first: writing a value into a focused field scrolls it into view, as typing did.
    if (state.focus) add(copy(state.focus));
    for (const data of after) add(data);
    if (state.selection) add(copy(state.selection));
    if (state.touch) add(copy(state.touch));
    if (state.pointer) {
      // As a move: rrweb puts its cursor there when it writes the DOM, as it does after a seek.
      const data = state.pointer.data;
      const last = data.positions ? data.positions[data.positions.length - 1] : data;
      add({ source: S.mouseMove, positions: [{ x: last.x || 0, y: last.y || 0, id: last.id, timeOffset: 0 }] });
    }
    return events;
  }

  // Builds keyframes for the events of `source()` (the visible Replayer's sorted event list), a slice
  // at a time in idle callbacks, and tells `onProgress(count, doneUntil, finished)` how far it is.
  class Builder {
    constructor(source, makeRoot, onProgress, spacing, onKeep, playing, loading) {
      this.spacing = { ...SPACING, ...spacing };
      this.source = source;
      this.makeRoot = makeRoot;
      this.onProgress = onProgress;
      this.onKeep = onKeep || (() => {}); // told of each keyframe made here (not of those restored)
      this.playing = playing || (() => false); // whether the visible replay is playing
      this.loading = loading || (() => false); // whether more of the replay's events are on their way
      // { at, before, json, loaded } sorted by `at`: time, how many events are at or before it, its events
      // as JSON, page-load ids
      this.keyframes = [];
      this.done = -Infinity; // every event up to this timestamp is applied in the hidden Replayer
      this.hidden = null;
      this.state = new PageState(null);
      this.sinceKeyframe = 0;
      this.lastKeyframe = -Infinity;
      this.handle = null;
      this.stopped = false;
      this.buildMs = 0;
      this.added = 0; // nodes added in the hidden Replayer since it last collected its garbage
      this.resumeAfter = -Infinity; // keyframes up to here are kept already (a build run again)
    }

    start() {
      if (this.stopped || this.handle !== null) return;
      this.handle = requestIdleCallback((deadline) => this.slice(deadline), { timeout: 200 });
    }

    stop() {
      this.stopped = true;
      if (this.handle !== null) cancelIdleCallback(this.handle);
      this.handle = null;
      this.dropHidden();
    }

    dropHidden() {
      if (this.hidden) {
        try { this.hidden.pause(); this.hidden.destroy(); } catch (err) { /* already torn down */ }
        this.root.remove();
      }
      this.hidden = null;
    }

    slice(deadline) {
      this.handle = null;
      if (this.stopped) return;
      const began = performance.now();
      let more = false;
      try {
        more = this.step();
        while (more && deadline.timeRemaining() > 2) more = this.step();
      } catch (err) {
        // A page rrweb cannot replay here: keep the keyframes made so far, seek with rrweb after them.
        this.stopped = true;
        this.failure = String(err && err.message ? err.message : err);
      }
      this.buildMs += performance.now() - began;
      const events = this.source();
      // Caught up with a replay whose events are still coming: the hidden Replayer waits for them (to be
      // started again), rather than be dropped and apply every event again from the first.
      const waiting = !more && !this.stopped && this.loading();
      const finished = !more && !waiting;
      this.onProgress(this.keyframes.length, events.length ? this.done - events[0].timestamp : 0, finished);
      if (more) this.start();
      else if (finished) {
        this.dropHidden(); // its DOM is a second copy of the page: keep it only while building
        collect();
      }
    }

    // A new hidden Replayer starts from the first event: events an earlier one applied (it is dropped when
    // done; a first page is shown ahead of the rest) are applied again, and keyframes are made only after
    // the last one kept. (Resuming a hidden Replayer from a keyframe lost rules added through the CSSOM.)
    rewind() {
      const last = this.keyframes[this.keyframes.length - 1];
      this.resumeAfter = last ? last.at : -Infinity;
      this.state = new PageState(null);
      this.sinceKeyframe = 0;
      this.lastKeyframe = -Infinity;
      this.done = -Infinity;
    }

    ensureHidden(events) {
      if (this.hidden) return;
      this.rewind();
      this.root = this.makeRoot();
      // A custom event carries the first timestamp (rrweb counts time from its first event) and does nothing.
      const origin = { type: 5, timestamp: events[0].timestamp, data: { tag: 'keyframes', payload: null } };
      const seed = [origin, copy(origin)];
      this.hidden = new rrweb.Replayer(seed, {
        root: this.root, speed: 1, skipInactive: false, showWarning: false, mouseTail: false,
        triggerFocus: false, UNSAFE_replayCanvas: false, pauseAnimation: true, loadTimeout: 0,
        useVirtualDom: true,
      });
      // Its events go to rrweb's virtual DOM, where rrweb's own seeks apply them, and stay there: rrweb
      // writes that DOM into the page after every seek (a Flush), which this Replayer never does. A
      // keyframe is serialized from the virtual DOM, so the build costs what rrweb's own seek to the end
      // does, and not a real DOM's nodes besides (writing them made the build 2.6-3.5 times that seek).
      this.hidden.emitter.off('flush');
      this.hiddenOrigin = seed[0].timestamp;
    }

    // Apply the next slice in the hidden Replayer, up to where a keyframe is due if one is; returns
    // whether events remain. A slice ends between two timestamps, never inside a group of equal ones.
    step() {
      const events = this.source();
      // While more events are coming, the last timestamp here is left for later: the next ones may share
      // it, and a slice never ends inside a group of equal timestamps.
      const available = this.loading() && events.length
        ? lowerBound(events, events[events.length - 1].timestamp) : events.length;
      if (upperBound(events, this.done) >= available) return false;
      this.ensureHidden(events);
      const start = upperBound(events, this.done);
      const hiddenEvents = this.hidden.service.state.context.events;
      const { sliceEvents, pausedSliceEvents } = this.spacing;
      const limit = this.playing() ? sliceEvents : Math.max(sliceEvents, pausedSliceEvents);
      let end = start;
      let due = false;
      while (end < available) {
        const event = events[end];
        if (event.type === META) this.pageLoad(event);
        this.state.track(event);
        this.sinceKeyframe += 1;
        // The same event objects as the visible Replayer's: rrweb only sets their `delay` (each seek
        // sets it anew) and would drop removals from them, which keepRemovals prevents.
        if (changesDocument(event)) {
          hiddenEvents.push(event);
          // An empty mutation right after a page load's snapshot: rrweb builds its virtual DOM from the
          // page at the first mutation, and applies what comes after to the virtual DOM.
          if (event.type === FULL) hiddenEvents.push(emptyMutation(event.timestamp));
          const data = event.data;
          if (event.type === INCREMENTAL && data.source === S.mutation && Array.isArray(data.adds)) {
            this.added += data.adds.length;
          }
        }
        end += 1;
        if (end < available && events[end].timestamp === event.timestamp) continue;
        due = this.due(event.timestamp);
        if (due || end - start >= limit) break;
      }
      this.done = events[end - 1].timestamp;
      this.hidden.pause(this.done + 1 - this.hiddenOrigin);
      hiddenEvents.splice(1); // applied; the hidden Replayer only ever moves forward
      if (due && this.done <= this.resumeAfter) this.keep(null, end); // kept already: only move on
      else if (due) this.keep(capture(this.hidden, this.state, this.done), end);
      if (this.added >= COLLECT_AFTER_ADDED_NODES) { this.added = 0; collect(); }
      return end < available;
    }

    pageLoad(meta) {
      this.state = new PageState(meta);
      this.sinceKeyframe = 0;
      this.lastKeyframe = meta.timestamp;
    }

    due(at) {
      const state = this.state;
      const { everyMs, everyEvents } = this.spacing;
      if (!state.supported || state.events < everyEvents / 8) return false;
      return this.sinceKeyframe >= everyEvents || at - this.lastKeyframe >= everyMs;
    }

    keep(events, before) {
      this.sinceKeyframe = 0;
      this.lastKeyframe = this.done;
      if (!events) return;
      // `total`: the events there were when it was made; opened again with as many, nothing is left to build.
      const total = this.source().length;
      const keyframe = { at: this.done, before, total, json: JSON.stringify(events), loaded: this.state.loaded };
      this.keyframes.push(keyframe);
      this.onKeep(keyframe);
    }

    // Take keyframes made earlier of these events (kept by the app): those whose count of events at or
    // before them still matches, up to the first that does not. Building then goes on after the last one.
    // Returns how many were taken.
    restore(stored) {
      if (this.keyframes.length) return 0; // made here already: those are as good
      // A build of the first page shown ahead of the rest may be under way: it starts over after these.
      if (this.handle !== null) cancelIdleCallback(this.handle);
      this.handle = null;
      this.dropHidden();
      this.done = -Infinity;
      const events = this.source();
      const kept = [];
      for (const keyframe of stored) {
        const previous = kept.length ? kept[kept.length - 1].at : -Infinity;
        if (!(keyframe.at > previous) || upperBound(events, keyframe.at) !== keyframe.before) break;
        kept.push({
          at: keyframe.at, before: keyframe.before, total: keyframe.total, json: keyframe.json,
          loaded: new Set(JSON.parse(keyframe.loaded)),
        });
      }
      if (!kept.length) return 0;
      this.keyframes = kept;
      // The replay has not grown since the last one was made (and every one was taken): the build that made
      // them went to the end, and nothing is left to do. Otherwise it runs again, making only new ones.
      const last = kept[kept.length - 1];
      if (kept.length === stored.length && last.total === events.length) this.done = events[events.length - 1].timestamp;
      this.resumeAfter = last.at;
      return kept.length;
    }

    // The keyframe a seek to `baseline` should start from, or null for rrweb's own path: none at or
    // after the last event applied when moving forward (rrweb applies only the events in between).
    choose(baseline, lastPlayed) {
      let low = 0;
      let high = this.keyframes.length;
      while (low < high) {
        const mid = (low + high) >> 1;
        if (this.keyframes[mid].at < baseline) low = mid + 1; else high = mid;
      }
      const keyframe = low > 0 ? this.keyframes[low - 1] : null;
      if (!keyframe) return null;
      if (lastPlayed !== null && lastPlayed.adjusted < baseline && keyframe.at <= lastPlayed.timestamp) return null;
      // A page load after the keyframe: rrweb's seek starts there by itself.
      const events = this.source();
      for (let index = upperBound(events, keyframe.at); index < events.length; index++) {
        if (events[index].timestamp > baseline) break;
        if (events[index].type === META) return null;
      }
      return keyframe;
    }
  }

  // Where rrweb's play() counts the last event it applied from (a mouse move counts from its first position).
  function lastPlayedOf(context) {
    const event = context.lastPlayedEvent;
    if (!event) return null;
    let adjusted = event.timestamp;
    if (event.type === INCREMENTAL && event.data.source === S.mouseMove && event.data.positions[0]) {
      adjusted += event.data.positions[0].timeOffset;
    }
    return { timestamp: event.timestamp, adjusted };
  }

  // Seek `replayer` to `at` (ms from its first event) starting from `keyframe`: its events go into the
  // Replayer's list for the seek only, where rrweb's own seek finds them as the latest page load.
  function seekFrom(replayer, keyframe, at, play) {
    const events = replayer.service.state.context.events;
    const inserted = JSON.parse(keyframe.json);
    const position = upperBound(events, keyframe.at);
    events.splice(position, 0, ...inserted);
    // Seeking from the page load, rrweb finds a mouse interaction's target in the page load's DOM only
    // (the rest of the seek goes to its virtual DOM) and ignores the others: so must a keyframe seek.
    const apply = replayer.applyIncremental;
    replayer.applyIncremental = function (event, isSync) {
      const data = event.data;
      if (isSync && data.source === S.interaction && event.timestamp > keyframe.at && !keyframe.loaded.has(data.id)) return;
      apply.call(this, event, isSync);
    };
    try {
      if (play) replayer.play(at); else replayer.pause(at);
    } finally {
      delete replayer.applyIncremental;
      // rrweb skips rebuilding its first snapshot while it still holds the page that snapshot built
      // (it keeps that event to know); after a keyframe it no longer does.
      if (replayer.firstFullSnapshot && replayer.firstFullSnapshot !== true) replayer.firstFullSnapshot = true;
      const now = replayer.service.state.context.events;
      const index = now.indexOf(inserted[0]);
      if (index >= 0) now.splice(index, inserted.length);
      collectAfterKeyframeSeeks();
    }
  }

  // rrweb drops, from a mutation event itself, each removal whose node it cannot find when it applies
  // the event; a seek that applies it early or late then changes what every later seek shows (a removed
  // element stays). It only skips those removals again, so the event's own list can stay as recorded.
  const RECORDED = Symbol('recorded removes');
  const keptRemoves = {
    get() { return this[RECORDED]; },
    set() { /* keep the recorded list */ },
    enumerable: true,
    configurable: true,
  };

  function keepRemovals(events) {
    for (const event of events) {
      const data = event.data;
      if (event.type !== INCREMENTAL || data.source !== S.mutation || !Array.isArray(data.removes)) continue;
      data[RECORDED] = data.removes;
      Object.defineProperty(data, 'removes', keptRemoves);
    }
    return events;
  }

  return { Builder, seekFrom, lastPlayedOf, keepRemovals, SPACING };
})();
