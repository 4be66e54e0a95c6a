// Demo Shop: products, the cart in localStorage and each page's behaviour.
const PRODUCTS = [
  { id: "mug", name: "Stoneware Mug", price: 18, color: "#6b8f71", blurb: "Hand-glazed, holds 350 ml of coffee." },
  { id: "kettle", name: "Pour-over Kettle", price: 54, color: "#3d5a80", blurb: "A gooseneck spout for a slow, even pour." },
  { id: "grinder", name: "Burr Grinder", price: 89, color: "#8d6e63", blurb: "Fifteen grind settings, from espresso to French press." },
  { id: "beans", name: "House Beans 1 kg", price: 24, color: "#b5651d", blurb: "Roasted weekly: chocolate, cherry and almond." },
  { id: "scale", name: "Brew Scale", price: 39, color: "#577590", blurb: "Weighs to 0.1 g, with a built-in timer." },
  { id: "filter", name: "Paper Filters (100)", price: 7, color: "#a3a380", blurb: "Unbleached, for two- to four-cup brewers." },
  { id: "tin", name: "Airtight Tin", price: 22, color: "#6d597a", blurb: "Keeps 500 g of beans fresh for weeks." },
  { id: "press", name: "French Press", price: 35, color: "#b56576", blurb: "Borosilicate glass, steel mesh filter." },
];

const shop = {
  product(id) { return PRODUCTS.find((p) => p.id === id); },
  cart() { return JSON.parse(localStorage.getItem("cart") || "[]"); },
  saveCart(items) { localStorage.setItem("cart", JSON.stringify(items)); },
  account() { return JSON.parse(localStorage.getItem("account") || "null"); },
  total() { return shop.cart().reduce((sum, item) => sum + shop.product(item.id).price * item.qty, 0); },
  count() { return shop.cart().reduce((sum, item) => sum + item.qty, 0); },
};

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([key, value]) => node.setAttribute(key, value));
  children.forEach((child) => node.append(child));
  return node;
}

function renderHeader() {
  const account = shop.account();
  document.querySelector("#account").textContent = account ? `Hi, ${account.name}` : "Sign up";
  document.querySelector("#account").setAttribute("href", account ? "#" : "signup.html");
  document.querySelector("#cart-count").textContent = `Cart (${shop.count()})`;
}

function card(product) {
  const picture = el("div", { class: "picture", style: `background:${product.color}` }, product.name[0]);
  const body = el("div", { class: "body" },
    el("h3", {}, el("a", { href: `product.html?id=${product.id}` }, product.name)),
    el("div", { class: "muted" }, product.blurb), el("div", { class: "price" }, `$${product.price}`));
  return el("div", { class: "card", "data-id": product.id }, el("a", { href: `product.html?id=${product.id}` }, picture), body);
}

function initList() {
  const grid = document.querySelector("#products");
  const search = document.querySelector("#search");
  const show = () => {
    const words = search.value.trim().toLowerCase();
    const found = PRODUCTS.filter((p) => (p.name + " " + p.blurb).toLowerCase().includes(words));
    grid.replaceChildren(...found.map(card));
    if (!found.length) grid.replaceChildren(el("div", { class: "empty" }, `Nothing matches "${search.value}".`));
  };
  search.addEventListener("input", show);
  show();
}

function initProduct() {
  const product = shop.product(new URLSearchParams(location.search).get("id")) || PRODUCTS[0];
  document.title = `${product.name} · Demo Shop`;
  document.querySelector("#name").textContent = product.name;
  document.querySelector("#blurb").textContent = product.blurb;
  document.querySelector("#price").textContent = `$${product.price}`;
  const picture = document.querySelector("#picture");
  picture.style.background = product.color;
  picture.textContent = product.name[0];
  document.querySelector("#add").addEventListener("click", () => {
    const items = shop.cart();
    const line = items.find((item) => item.id === product.id);
    if (line) line.qty += 1; else items.push({ id: product.id, qty: 1 });
    shop.saveCart(items);
    document.querySelector("#added").classList.remove("hidden");
    renderHeader();
  });
}

function initCart() {
  const rows = shop.cart().map((item) => {
    const product = shop.product(item.id);
    return el("tr", {}, el("td", {}, product.name), el("td", {}, String(item.qty)),
      el("td", { class: "price" }, `$${product.price * item.qty}`));
  });
  document.querySelector("#lines").replaceChildren(...rows);
  document.querySelector("#total").textContent = `Total: $${shop.total()}`;
  document.querySelector("#empty").classList.toggle("hidden", rows.length > 0);
  document.querySelector("#to-checkout").classList.toggle("hidden", rows.length === 0);
}

function initSignup() {
  document.querySelector("#signup").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = document.querySelector("#signup-name").value.trim().split(" ")[0];
    localStorage.setItem("account", JSON.stringify({ name, email: document.querySelector("#signup-email").value }));
    location.href = "index.html?welcome=1";
  });
}

function initCheckout() {
  const account = shop.account();
  document.querySelector("#summary").textContent = `${shop.count()} items, $${shop.total()}`;
  if (account) document.querySelector("#checkout-email").value = account.email;
  document.querySelector("#checkout").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem("order", JSON.stringify({ number: 1000 + Math.floor(shop.total() * 7) % 9000, total: shop.total() }));
    shop.saveCart([]);
    location.href = "thanks.html";
  });
}

function initThanks() {
  const order = JSON.parse(localStorage.getItem("order") || "{}");
  document.querySelector("#order").textContent = `Order #${order.number || 0} · $${order.total || 0}`;
}

const PAGES = { list: initList, product: initProduct, cart: initCart, signup: initSignup, checkout: initCheckout, thanks: initThanks };

document.addEventListener("DOMContentLoaded", () => {
  renderHeader();
  (PAGES[document.body.dataset.page] || (() => {}))();
});
