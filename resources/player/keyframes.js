// Keyframes: the replayed page serialized as synthetic FullSnapshots at regular points of a recording,
// built in the background by a hidden second Replayer, so that a far seek rebuilds from the nearest
// keyframe instead of from the page load and applies only the events after it.
'use strict';

const ReplayKeyframes = (function () {
  // A keyframe at least every `everyMs` of recording time or `everyEvents` events since the last one,
  // whichever comes first; none in the first `everyEvents / 8` events of a page (the page load is one).
  // Events applied per background slice: few while the replay plays (a slice holds the page up), more
  // while it is paused. Each slice is one rrweb seek of the hidden Replayer, whose fixed cost (it rebuilds
  // its virtual DOM from the page and writes the page back) is most of the build time with small slices:
  // on a 2-hour recording 300-event slices took twice the time of 1,500-event ones.
  const SPACING = { everyMs: 60 * 1000, everyEvents: 1500, sliceEvents: 300, pausedSliceEvents: 1500 };
  const NEVER = /(?!)/; // a class pattern nothing matches: the recording was masked when it was made
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
  // Making keyframes leaves much garbage (serialized documents, the hidden Replayer's virtual DOMs), and
  // V8 grows its heap rather than collect it: on a 2-hour recording the page stayed ~350 MB larger after
  // the build than a collection leaves it. The app starts Chromium with V8's `gc` exposed to its own page
  // (recorded pages run no script), and the builder collects once when it is done. (Collecting during the
  // build too cut the peak by a fifth but made the build half as slow again.)
  const collect = () => { if (typeof gc === 'function') gc(); };
  // Most of that garbage is the nodes the recording adds and removes again (a busy 2-hour dashboard adds
  // 400,000), so the build also collects after every this many added nodes: the page then peaked at
  // about 300 MB instead of 650 MB, and the build time stayed within its spread from run to run here
  // (5.2-7.0 s on that recording; collecting after every keyframe made it 40 % slower).
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

  function recordedScrolls(root) {
    const scrolls = new Map();
    const walk = (node) => {
      const a = node.attributes;
      if (a && (a.rr_scrollLeft || a.rr_scrollTop)) {
        scrolls.set(node.id, { source: S.scroll, id: node.id, x: a.rr_scrollLeft || 0, y: a.rr_scrollTop || 0 });
      }
      if (node.childNodes) node.childNodes.forEach(walk);
    };
    walk(root);
    return scrolls;
  }

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
      this.scrolls = new Map();
      this.inputs = new Set();
      this.styled = new Set();
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
        // Scroll offsets the snapshot recorded, applied when rrweb rebuilds it; Scroll events come after.
        this.scrolls = recordedScrolls(event.data.node);
        return;
      }
      if (event.type !== INCREMENTAL) return;
      const data = event.data;
      const source = data.source;
      if (UNSUPPORTED.has(source)) this.supported = false;
      else if (POINTER.has(source)) this.pointer = event;
      else if (source === S.scroll) this.scrolls.set(data.id, data);
      else if (source === S.input) this.inputs.add(data.id);
      else if (source === S.resize) { this.width = data.width; this.height = data.height; }
      else if (source === S.selection) this.selection = data;
      else if (source === S.styleRule || source === S.styleDeclaration) {
        if (data.styleId !== undefined || data.id === undefined) this.supported = false;
        else this.styled.add(data.id);
      } else if (source === S.interaction && this.loaded.has(data.id)) {
        if (data.type === FOCUS || data.type === BLUR) this.focus = data;
        if (TOUCH.has(data.type)) this.touch = data;
        if (MOVES_POINTER.has(data.type)) this.pointer = event;
      }
    }
  }

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

  // Serialize the hidden Replayer's document with the ids of its mirror (the recording's own ids).
  function capture(replayer, state, at) {
    const doc = replayer.iframe.contentDocument;
    const mirror = replayer.getMirror();
    const fresh = new Map();
    const detached = [];
    const frames = [];
    const nodeOf = (id) => (id >= FRESH_ID ? freshNodes[id - FRESH_ID] : mirror.getNode(id));
    const freshNodes = [];
    const visit = (parent) => {
      for (const child of Array.from(parent.childNodes)) {
        // rrweb's virtual DOM leaves negative ids on nodes it made itself: not the recording's.
        if (!mirror.hasNode(child) || mirror.getId(child) < 0) {
          // rrweb's own <style> of injected rules, put before <head>: the rebuild puts its own there.
          if (child.nodeName === 'STYLE' && parent === parent.ownerDocument.documentElement) {
            detached.push([parent, child, child.nextSibling]);
            parent.removeChild(child);
            continue;
          }
          fresh.set(child, FRESH_ID + freshNodes.length);
          freshNodes.push(child);
        }
        visit(child);
      }
      if (parent.shadowRoot) visit(parent.shadowRoot);
      if (parent.nodeName === 'IFRAME' && parent.contentDocument && mirror.hasNode(parent.contentDocument)) {
        frames.push(parent);
        visit(parent.contentDocument);
      }
    };
    visit(doc);
    const idOf = (node) => (fresh.has(node) ? fresh.get(node) : mirror.getId(node));
    const view = { hasNode: (n) => fresh.has(n) || mirror.hasNode(n), getId: idOf, add() {} };
    const options = {
      mirror: view, blockClass: NEVER, maskTextClass: NEVER, maskAllInputs: {}, inlineStylesheet: false,
      recordCanvas: true, slimDOM: false, keepIframeSrcFn: () => false,
    };
    let node;
    const frameDocs = [];
    try {
      node = rrwebSnapshot.snapshot(doc, options);
      for (const frame of frames) frameDocs.push([frame, rrwebSnapshot.snapshot(frame.contentDocument, options)]);
    } finally {
      for (const [parent, child, next] of detached.reverse()) parent.insertBefore(child, next);
    }
    if (!node) return null;
    const fix = (sn) => fixNode(sn, nodeOf, idOf);
    fix(node);
    const events = [
      { type: META, timestamp: at, data: { href: state.href, width: state.width, height: state.height } },
      { type: FULL, timestamp: at, data: { node, initialOffset: state.initialOffset } },
    ];
    const add = (data) => events.push({ type: INCREMENTAL, timestamp: at, data });
    // A mutation first, as after a page load: rrweb then applies what follows to its virtual DOM and
    // sets scroll offsets and input values when it writes the DOM, as a seek from the page load does
    // (set at once, a browser may put a rebuilt page back where the page shown before was scrolled).
    add({ source: S.mutation, texts: [], attributes: [], removes: [], adds: [] });
    for (const [frame, sn] of frameDocs) {
      if (!sn) continue;
      fix(sn);
      add({ source: S.mutation, texts: [], attributes: [], removes: [],
        adds: [{ parentId: idOf(frame), nextId: null, node: sn }] });
    }
    addExtras(state, mirror, add);
    return events;
  }

  // Undo what serializing a replayed (not a recorded) page changes, so that the rebuild is the same DOM.
  function fixNode(sn, nodeOf, idOf) {
    const live = nodeOf(sn.id);
    if (sn.type === 2 && live) {
      const attributes = sn.attributes;
      // Scroll offsets come as Scroll events, from what was recorded: a page laid out where no one sees
      // it may not scroll as the visible one does.
      delete attributes.rr_scrollLeft;
      delete attributes.rr_scrollTop;
      if (sn.tagName === 'html' && typeof attributes.class === 'string') {
        const kept = attributes.class.split(/\s+/).filter((c) => c && c !== 'rrweb-paused').join(' ');
        // rrweb adds and removes `rrweb-paused` itself on every rebuild, as it did on the page load's.
        if (kept) attributes.class = kept; else delete attributes.class;
      }
      // Serializing a <style> blanks its text for a `_cssText` of its rules, which a rebuild would adapt
      // for replay a second time. Its text is already rrweb's text for replay: keep that, as it is; rules
      // added through the CSSOM come as StyleSheetRule events.
      if (sn.tagName === 'style') {
        delete attributes._cssText;
        for (const child of sn.childNodes) {
          const text = nodeOf(child.id);
          if (child.type === 3 && text) child.textContent = text.data;
        }
      }
      // Serializing reads properties into these attributes; the page had its own, and the values
      // a user typed come back as Input events.
      if (['input', 'textarea', 'select', 'option'].includes(sn.tagName)) {
        for (const name of ['value', 'checked', 'selected']) {
          if (live.hasAttribute(name)) attributes[name] = live.getAttribute(name); else delete attributes[name];
        }
        if (sn.tagName === 'textarea' && !sn.childNodes.length) {
          sn.childNodes = Array.from(live.childNodes)
            .filter((child) => child.nodeType === Node.TEXT_NODE)
            .map((child) => ({ type: 3, textContent: child.data, id: idOf(child), rootId: sn.rootId }));
        }
      }
    }
    if (sn.childNodes) for (const child of sn.childNodes) fixNode(child, nodeOf, idOf);
  }

  function addExtras(state, mirror, add) {
    // Focus first: writing a value into a focused field scrolls it into view, as typing did.
    if (state.focus) add(copy(state.focus));
    for (const id of state.styled) {
      const style = mirror.getNode(id);
      if (!style || style.nodeName !== 'STYLE' || !style.sheet) continue;
      const rules = Array.from(style.sheet.cssRules, (rule) => rule.cssText);
      // The rules now first, then every rule the rebuilt text made (at most one per brace or semicolon).
      const made = (style.textContent.match(/[{;]/g) || []).length + 1;
      add({
        source: S.styleRule,
        id,
        adds: rules.map((rule, index) => ({ rule, index })),
        removes: Array.from({ length: made }, () => ({ index: rules.length })),
      });
    }
    for (const id of state.inputs) {
      const input = mirror.getNode(id);
      if (input && 'value' in input) add({ source: S.input, id, text: input.value, isChecked: !!input.checked });
    }
    for (const data of state.scrolls.values()) add(copy(data));
    if (state.selection) add(copy(state.selection));
    if (state.touch) add(copy(state.touch));
    if (state.pointer) {
      // As a move: rrweb puts its cursor there when it writes the DOM, as it does after a seek.
      const data = state.pointer.data;
      const last = data.positions ? data.positions[data.positions.length - 1] : data;
      add({ source: S.mouseMove, positions: [{ x: last.x || 0, y: last.y || 0, id: last.id, timeOffset: 0 }] });
    }
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
        // Applied to its own DOM, which is not laid out (display: none): rrweb's virtual DOM, rebuilt from
        // the page and written back at every slice, made the build a third slower.
        useVirtualDom: false,
      });
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
