// Page side of make_demo_recordings.py, injected after rrweb into every page of a scripted visit.
// It starts rrweb.record in the top http document only, keeps the events across page loads in
// sessionStorage until the script takes them, and plays a scripted user's mouse, keys and scrolling
// as DOM events, so that the recorder sees what it would see from a person.
(() => {
  if (window.top !== window || !/^https?:$/.test(location.protocol)) return;
  const KEY = "__demoEvents";
  let buffer = [];
  let snapshotTaken = false;
  // Tells the script a new document has loaded and been snapshotted, as opposed to the one it left.
  const pageId = Math.random().toString(36).slice(2);
  const take = () => {
    const all = JSON.parse(sessionStorage.getItem(KEY) || "[]").concat(buffer);
    buffer = [];
    sessionStorage.removeItem(KEY);
    return all;
  };
  addEventListener("pagehide", () => sessionStorage.setItem(KEY, JSON.stringify(take())));
  rrweb.record({
    emit: (event) => {
      buffer.push(event);
      if (event.type === 2) snapshotTaken = true;
    },
    // The form parts get mixpanel-browser's privacy defaults: inputs masked, rr-mask text, rr-block blocks.
    maskAllInputs: true,
    maskTextClass: "rr-mask",
    blockClass: "rr-block",
    blockSelector: "img, video, audio",
  });

  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
  let mouse = { x: innerWidth / 2, y: innerHeight / 3 };
  const centre = (node) => {
    const box = node.getBoundingClientRect();
    return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
  };
  const fire = (type, target, extra) =>
    target.dispatchEvent(new MouseEvent(type, {
      bubbles: true, cancelable: true, view: window, clientX: mouse.x, clientY: mouse.y, ...extra,
    }));

  // rrweb takes mouse down and up from pointer events when the browser has them.
  const press = (type, target, extra) =>
    target.dispatchEvent(new PointerEvent(type, {
      bubbles: true, cancelable: true, view: window, clientX: mouse.x, clientY: mouse.y,
      pointerType: "mouse", isPrimary: true, ...extra,
    }));

  async function moveTo(node, ms) {
    node.scrollIntoView({ block: "nearest" });
    const from = { ...mouse };
    const to = centre(node);
    const steps = Math.max(2, Math.round(ms / 25));
    const bend = (Math.random() - 0.5) * 80;
    for (let i = 1; i <= steps; i++) {
      const t = i / steps;
      const ease = t * t * (3 - 2 * t);
      mouse = {
        x: from.x + (to.x - from.x) * ease + Math.sin(Math.PI * t) * bend,
        y: from.y + (to.y - from.y) * ease,
      };
      fire("mousemove", document.elementFromPoint(mouse.x, mouse.y) || document.body);
      await sleep(25);
    }
  }

  async function click(selector) {
    const node = document.querySelector(selector);
    await moveTo(node, 600);
    press("pointerdown", node, { buttons: 1 });
    fire("mousedown", node, { buttons: 1 });
    if (node.matches("input, textarea, select")) node.focus();
    await sleep(90);
    press("pointerup", node);
    fire("mouseup", node);
    fire("click", node);
  }

  async function type(selector, text, delays) {
    await click(selector);
    const input = document.querySelector(selector);
    for (let i = 0; i < text.length; i++) {
      const key = text[i];
      input.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true }));
      input.value += key;
      input.dispatchEvent(new InputEvent("input", { data: key, inputType: "insertText", bubbles: true }));
      input.dispatchEvent(new KeyboardEvent("keyup", { key, bubbles: true }));
      await sleep(delays[i]);
    }
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  async function scrollPage(y, ms) {
    const from = scrollY;
    const steps = Math.max(2, Math.round(ms / 50));
    for (let i = 1; i <= steps; i++) {
      window.scrollTo(0, from + ((y - from) * i) / steps);
      await sleep(50);
    }
  }

  async function wander(ms) {
    const steps = Math.round(ms / 25);
    for (let i = 0; i < steps; i++) {
      mouse = { x: mouse.x + Math.sin(i / 7) * 6, y: mouse.y + Math.cos(i / 9) * 4 };
      fire("mousemove", document.elementFromPoint(mouse.x, mouse.y) || document.body);
      await sleep(25);
    }
  }

  window.__demo = {
    loaded: () => (document.readyState === "complete" && snapshotTaken ? pageId : ""),
    take: () => JSON.stringify(take()),
    click, type, wander,
    move: (selector, ms) => moveTo(document.querySelector(selector), ms),
    scroll: scrollPage,
  };
})();
