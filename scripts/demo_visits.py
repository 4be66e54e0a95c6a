"""The scripted visits to the Demo Shop that make_demo_recordings.py records: who does what, and when."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

ANONYMOUS_ID = "$device:5f1c2a9e-7b3d-4c61-9e0a-2d8f4b6c1a73"


@dataclass(frozen=True)
class Step:
    """One thing the visitor does: `kind` names a page-side action of demo_visitor.js, or
    `load` (wait for the next page), `idle` (do nothing) or `track` (an analytics event)."""

    kind: str
    args: tuple[Any, ...] = ()
    ms: int = 0


@dataclass(frozen=True)
class Visit:
    user_id: str
    viewport: tuple[int, int]
    hours_before_last: float  # where the visit is placed in time, counted back from the newest visit
    steps: list[Step] = field(default_factory=list)


@dataclass(frozen=True)
class Person:
    user_id: str
    properties: dict[str, Any]


PEOPLE = [
    Person("u_alice", {"$name": "Alice Martin", "$email": "alice.martin@example.com", "plan": "pro",
                       "country": "France", "city": "Lyon", "orders": 1}),
    Person("u_bob", {"$name": "Bob Okafor", "$email": "bob.okafor@example.org", "plan": "free",
                     "country": "Nigeria", "city": "Lagos", "orders": 1}),
    Person("u_carol", {"$name": "Carol Nguyen", "$email": "carol.nguyen@example.net", "plan": "free",
                       "country": "Canada", "city": "Toronto", "orders": 1}),
    Person("u_erin", {"$name": "Erin Schmidt", "$email": "erin.schmidt@example.com", "plan": "team",
                      "country": "Germany", "city": "Hamburg", "orders": 1}),
]

LOAD = Step("load")


def click(selector: str) -> Step:
    return Step("click", (selector,), 900)


def go(selector: str) -> list[Step]:
    """Click a link or submit button and wait for the page it leads to."""
    return [click(selector), LOAD]


def type_in(selector: str, text: str, rng: random.Random) -> Step:
    delays = [rng.randint(60, 200) for _ in text]
    return Step("type", (selector, text, delays), 1000 + sum(delays))


def scroll(y: int, ms: int = 1200) -> Step:
    return Step("scroll", (y, ms), ms + 200)


def wander(ms: int) -> Step:
    return Step("wander", (ms,), ms + 100)


def idle(ms: int) -> Step:
    return Step("idle", (), ms)


def track(name: str, **properties: Any) -> Step:
    return Step("track", (name, properties))


def view_product(product: str, price: int) -> list[Step]:
    return [*go(f".card[data-id={product}] h3 a"), track("Product Viewed", product=product, price=price)]


def add_to_cart(product: str, price: int, items: int) -> list[Step]:
    return [click("#add"), track("Add To Cart", product=product, price=price, cart_items=items)]


def search(query: str, rng: random.Random) -> list[Step]:
    return [type_in("#search", query, rng), track("Search", query=query), idle(1500)]


def sign_up(name: str, email: str, rng: random.Random) -> list[Step]:
    return [
        *go("#account"),
        type_in("#signup-name", name, rng),
        type_in("#signup-email", email, rng),
        type_in("#signup-password", "correct horse 42", rng),
        click("#signup-submit"),
        track("Sign Up", method="email"),
        LOAD,
    ]


def to_checkout(total: int, items: int) -> list[Step]:
    return [*go("#cart-count"), idle(2500), *go("#to-checkout"),
            track("Checkout Started", total=total, items=items)]


def fill_address(address: str, city: str, postcode: str, rng: random.Random, email: str = "") -> list[Step]:
    steps = [type_in("#checkout-email", email, rng)] if email else []
    return [*steps, type_in("#address", address, rng), type_in("#city", city, rng), type_in("#zip", postcode, rng)]


def pay(card: str, total: int, items: int, rng: random.Random) -> list[Step]:
    return [
        type_in("#card", card, rng),
        type_in("#expiry", "09/28", rng),
        type_in("#cvc", "123", rng),
        click("#pay"),
        track("Purchase", total=total, items=items, payment="card"),
        LOAD,
        wander(2500),
        idle(2000),
    ]


def alice_signs_up_and_buys(rng: random.Random) -> list[Step]:
    """The long one: she stops for half a minute at the card number (something for skip-inactivity)."""
    return [
        LOAD, wander(1500), scroll(420), idle(2000), scroll(0, 800),
        *sign_up("Alice Martin", "alice.martin@example.com", rng),
        *search("mug", rng), *view_product("mug", 18), idle(3000), *add_to_cart("mug", 18, 1),
        idle(6000), *to_checkout(18, 1),
        *fill_address("12 rue de la Paix", "Lyon", "69002", rng),
        idle(30000), wander(1200),
        *pay("4242 4242 4242 4242", 18, 1, rng),
    ]


def bob_compares_and_leaves(rng: random.Random) -> list[Step]:
    return [
        LOAD, wander(1200), *search("grinder", rng), *view_product("grinder", 89), idle(8000),
        *add_to_cart("grinder", 89, 1), idle(1500), *go("main > p a"),
        scroll(300), *view_product("kettle", 54), idle(4000), *add_to_cart("kettle", 54, 2),
        *go("#cart-count"), idle(6500), wander(1500), *go("main a.secondary"), scroll(700, 1500),
        idle(3000), wander(1500),
    ]


def anonymous_reads_about(rng: random.Random) -> list[Step]:
    return [
        LOAD, wander(2000), scroll(650, 1800), idle(9000), scroll(0, 1500),
        *view_product("beans", 24), idle(6000), wander(1500), *go("main > p a"),
        *search("kettle", rng), *view_product("kettle", 54), idle(5500), wander(2000),
    ]


def carol_signs_up_and_buys(rng: random.Random) -> list[Step]:
    return [
        LOAD, *sign_up("Carol Nguyen", "carol.nguyen@example.net", rng),
        *view_product("press", 35), *add_to_cart("press", 35, 1), idle(1500),
        *to_checkout(35, 1), *fill_address("88 Queen St W", "Toronto", "M5H 2M9", rng),
        *pay("5555 4444 3333 1111", 35, 1, rng),
    ]


def erin_buys_two_things(rng: random.Random) -> list[Step]:
    return [
        LOAD, *sign_up("Erin Schmidt", "erin.schmidt@example.com", rng),
        *search("filter", rng), *view_product("filter", 7), *add_to_cart("filter", 7, 1),
        *go("main > p a"), *view_product("scale", 39), idle(5500), *add_to_cart("scale", 39, 2),
        *to_checkout(46, 2), *fill_address("Elbchaussee 5", "Hamburg", "22763", rng), idle(12000),
        *pay("4000 0566 5566 5556", 46, 2, rng),
    ]


def bob_returns_and_buys(rng: random.Random) -> list[Step]:
    return [
        LOAD, *search("press", rng), *view_product("press", 35), *add_to_cart("press", 35, 1),
        *to_checkout(35, 1),
        *fill_address("3 Marina Rd", "Lagos", "101241", rng, email="bob.okafor@example.org"),
        idle(22000), *pay("4111 1111 1111 1111", 35, 1, rng),
    ]


def alice_abandons_checkout(rng: random.Random) -> list[Step]:
    return [
        LOAD, wander(1000), *view_product("grinder", 89), idle(7000), *add_to_cart("grinder", 89, 1),
        *to_checkout(89, 1), *fill_address("12 rue de la Paix", "Lyon", "69002", rng, email="alice.martin@example.com"),
        idle(8000), wander(2000),
    ]


def all_visits(seed: int = 7) -> list[Visit]:
    rng = random.Random(seed)
    return [
        Visit("u_alice", (1280, 720), 140.2, alice_signs_up_and_buys(rng)),
        Visit("u_bob", (1366, 768), 118.6, bob_compares_and_leaves(rng)),
        Visit(ANONYMOUS_ID, (1024, 700), 96.1, anonymous_reads_about(rng)),
        Visit("u_carol", (1440, 900), 73.5, carol_signs_up_and_buys(rng)),
        Visit("u_erin", (1280, 800), 50.3, erin_buys_two_things(rng)),
        Visit("u_bob", (1366, 768), 26.8, bob_returns_and_buys(rng)),
        Visit("u_alice", (1280, 720), 0.0, alice_abandons_checkout(rng)),
    ]
