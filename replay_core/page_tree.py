"""The recorded page's elements, followed through snapshots and mutations, named the way a person would.

`PageTree` keeps each serialized node's tag, attributes, parent and children (no layout, no styles),
so that a click or an input can say what it touched: `"Add to cart" button`, `"Email" field`,
`#fb-send`, `ul.todo-list > li`.

**Masking.** Recorders mask text by writing it as `*`s (mixpanel-browser masks all text and every
input value by default) and mark masked or blocked parts of the page with classes (`MASK_CLASSES`,
`BLOCK_CLASSES`). A name never uses text that was masked, text inside a masked or blocked element,
an element's `value`, or anything of a password field; it falls back to a label, an id or a selector.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from replay_core.plain_text import one_line

NAME_CHARS = 60
# Classes recorders use to mask text (`rr-mask` is rrweb's; the others are mixpanel-browser's defaults).
MASK_CLASSES = frozenset({"rr-mask", "mp-mask", "fs-mask", "amp-mask", "ph-mask"})
BLOCK_CLASSES = frozenset({"rr-block", "mp-block", "fs-exclude", "amp-block", "ph-no-capture"})
# How many descendants are read to find an element's text: enough for a button, bounded for a <body>.
_TEXT_NODES_READ = 200
_LABEL_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder", "name")
_FIELD_TAGS = frozenset({"input", "textarea", "select"})
_NO_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "head"})
_ROLE_WORDS = {"a": "link", "button": "button", "select": "list", "textarea": "field", "input": "field"}
_HREF_CHARS = 40
_MASKED = re.compile(r"^[*\s]+$")
_NODE_ELEMENT = 2
_NODE_TEXT = 3


@dataclass(slots=True)
class PageNode:
    kind: int
    tag: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    parent: int | None = None
    children: list[int] = field(default_factory=list)


class PageTree:
    """The nodes of the page as recorded so far; `load` a FullSnapshot, `apply` each Mutation."""

    def __init__(self) -> None:
        self.nodes: dict[int, PageNode] = {}
        self.labels: dict[str, int] = {}  # a `<label for=…>`'s target id -> the label's node

    def load(self, root: Any) -> None:
        self.nodes = {}
        self.labels = {}
        self._add(root, None, None)

    def apply(self, mutation: dict[str, Any]) -> None:
        """A Mutation's removes, adds, texts and attributes, in the order rrweb applies them."""
        nodes = self.nodes
        for removed in _dicts(mutation.get("removes")):
            if removed.get("id") in nodes:
                self._remove(removed["id"])
        for added in _dicts(mutation.get("adds")):
            parent = added.get("parentId")
            self._add(added.get("node"), parent if isinstance(parent, int) else None, added.get("nextId"))
        for change in _dicts(mutation.get("texts")):
            node = nodes.get(change.get("id"))  # type: ignore[arg-type]
            if node is not None and isinstance(change.get("value"), str):
                node.text = change["value"]
        for change in _dicts(mutation.get("attributes")):
            node = nodes.get(change.get("id"))  # type: ignore[arg-type]
            changed = change.get("attributes")
            if node is not None and isinstance(changed, dict):
                for name, value in changed.items():
                    if value is None:
                        node.attributes.pop(name, None)
                    else:
                        node.attributes[name] = value
                if node.tag == "label" and isinstance(node.attributes.get("for"), str):
                    self.labels[node.attributes["for"]] = change["id"]

    def _add(self, root: Any, parent: int | None, next_id: Any) -> None:
        # Iterative: a snapshot may nest as deep as the reader allows, deeper than Python recursion.
        # The hot path of a long recording's activity timeline (a busy 2-hour page adds 400,000 nodes):
        # plain lookups, and an attribute dict copied only when it has something.
        nodes = self.nodes
        stack = [(root, parent, next_id)]
        pop, push = stack.pop, stack.extend
        while stack:
            node, parent_id, before = pop()
            if not isinstance(node, dict):
                continue
            node_id = node.get("id")
            if not isinstance(node_id, int):
                continue
            if node_id in nodes:
                self._remove(node_id)
            get = node.get
            attributes, kind, tag, text = get("attributes"), get("type"), get("tagName"), get("textContent")
            tag = tag.lower() if isinstance(tag, str) else ""
            nodes[node_id] = PageNode(
                kind if isinstance(kind, int) else -1,
                tag,
                dict(attributes) if attributes and isinstance(attributes, dict) else {},
                text if isinstance(text, str) else "",
                parent_id,
            )
            if parent_id is not None:
                self._link(node_id, parent_id, before)
            if tag == "label" and isinstance(attributes, dict) and isinstance(attributes.get("for"), str):
                self.labels[attributes["for"]] = node_id
            children = get("childNodes")
            if children and isinstance(children, list):
                push([(child, node_id, None) for child in reversed(children)])

    def _link(self, node_id: int, parent_id: int | None, before: Any) -> None:
        parent = self.nodes.get(parent_id) if parent_id is not None else None
        if parent is None:
            return
        if isinstance(before, int) and before in parent.children:
            parent.children.insert(parent.children.index(before), node_id)
        else:
            parent.children.append(node_id)

    def _remove(self, node_id: Any) -> None:
        node = self.nodes.get(node_id) if isinstance(node_id, int) else None
        if node is None:
            return
        parent = self.nodes.get(node.parent) if node.parent is not None else None
        if parent is not None and node_id in parent.children:
            parent.children.remove(node_id)
        stack = [node_id]
        while stack:
            gone = self.nodes.pop(stack.pop(), None)
            if gone is not None:
                stack.extend(gone.children)

    def element_name(self, node_id: Any) -> str:
        """What a person would call the element: its text, label, id or a short selector."""
        node = self.nodes.get(node_id) if isinstance(node_id, int) else None
        if node is None:
            return "an element no longer on the page" if isinstance(node_id, int) else "the page"
        if node.kind == _NODE_TEXT and node.parent is not None:
            return self.element_name(node.parent)
        role = _ROLE_WORDS.get(node.tag, "")
        label = self._label(node_id, node)
        if label:
            return f"“{label}” {role}".strip()
        return self.selector(node_id)

    def _label(self, node_id: int, node: PageNode) -> str:
        if self.is_masked(node_id):
            return ""
        if node.tag not in _FIELD_TAGS:
            text = self.visible_text(node_id)
            if text:
                return text
        for name in _LABEL_ATTRIBUTES:
            value = node.attributes.get(name)
            if isinstance(value, str) and value.strip() and not _MASKED.match(value):
                return one_line(value, NAME_CHARS)
        if node.tag in _FIELD_TAGS:
            return self._label_for(node)
        return ""

    def _label_for(self, node: PageNode) -> str:
        """The text of a `<label for=…>` naming the field."""
        field_id = node.attributes.get("id")
        if not isinstance(field_id, str) or not field_id:
            return ""
        label_id = self.labels.get(field_id)
        if label_id is None:
            return ""
        label = self.nodes.get(label_id)
        if label is None or label.attributes.get("for") != field_id or self.is_masked(label_id):
            return ""
        return self.visible_text(label_id)

    def visible_text(self, node_id: int) -> str:
        """The element's text, unless it was masked; empty when there is none to show."""
        pieces: list[str] = []
        stack = [node_id]
        read = 0
        while stack and read < _TEXT_NODES_READ:
            node = self.nodes.get(stack.pop())
            read += 1
            if node is None or node.tag in _NO_TEXT_TAGS or _classes(node) & (MASK_CLASSES | BLOCK_CLASSES):
                continue
            if node.kind == _NODE_TEXT and node.text.strip():
                if _MASKED.match(node.text):
                    return ""  # part of it is masked: showing the rest could still say too much
                pieces.append(node.text)
            stack.extend(reversed(node.children))
        return one_line(" ".join(pieces), NAME_CHARS)

    def is_masked(self, node_id: int) -> bool:
        """Whether the node or an ancestor is masked or blocked, or is a password field."""
        current: int | None = node_id
        for _ in range(len(self.nodes) + 1):
            node = self.nodes.get(current) if current is not None else None
            if node is None:
                return False
            if _classes(node) & (MASK_CLASSES | BLOCK_CLASSES) or _is_password(node):
                return True
            current = node.parent
        return False

    def is_field(self, node_id: Any) -> bool:
        """A form field or something typed into: clicking it focuses it rather than asking for a change."""
        node = self.nodes.get(node_id) if isinstance(node_id, int) else None
        if node is None:
            return False
        return node.tag in _FIELD_TAGS | {"label", "option"} or "contenteditable" in node.attributes

    def is_password(self, node_id: Any) -> bool:
        node = self.nodes.get(node_id) if isinstance(node_id, int) else None
        return node is not None and _is_password(node)

    def selector(self, node_id: int) -> str:
        """A short CSS-like selector: `#id`, else `tag.class` under its parent's."""
        node = self.nodes.get(node_id)
        if node is None:
            return "an element"
        own = _simple_selector(node)
        if own.startswith("#") or node.parent is None:
            return own
        parent = self.nodes.get(node.parent)
        if parent is None or parent.kind != _NODE_ELEMENT or parent.tag in ("html", "body"):
            return own
        return f"{_simple_selector(parent)} > {own}"


def _simple_selector(node: PageNode) -> str:
    element_id = node.attributes.get("id")
    if isinstance(element_id, str) and element_id.strip():
        return one_line("#" + element_id.strip(), NAME_CHARS)
    classes = [c for c in sorted(_classes(node)) if c not in MASK_CLASSES | BLOCK_CLASSES][:2]
    own = node.tag + "".join("." + c for c in classes)
    href = node.attributes.get("href")
    if node.tag == "a" and isinstance(href, str) and href:
        # Which link, when its text is masked: the end of its address (`#/completed`, `pricing.html`).
        tail = "#" + href.split("#", 1)[1] if "#" in href else href.rstrip("/").rsplit("/", 1)[-1]
        own += f'[href…="{tail}"]' if 0 < len(tail) <= _HREF_CHARS else ""
    return one_line(own, NAME_CHARS) or "an element"


def _classes(node: PageNode) -> set[str]:
    value = node.attributes.get("class")
    return set(value.split()) if isinstance(value, str) else set()


def _is_password(node: PageNode) -> bool:
    kind = node.attributes.get("type")
    return node.tag == "input" and isinstance(kind, str) and kind.lower() == "password"


def _dicts(items: Any) -> Iterable[dict[str, Any]]:
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) and items else ()
