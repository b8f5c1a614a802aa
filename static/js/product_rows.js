// The product rows editor of a deal or lead card (catalog/product_rows.html).
// Totals are recalculated in the browser as the user types, with the server's arithmetic
// (catalog/pricing.py: exact decimals, 2 places rounded half-up), then every row is posted to
// the owner's rows endpoint, whose answer (the editor re-rendered) replaces the panel: the
// server's totals are the ones that count.
"use strict";

(() => {
  if (window.crmProductRows) return; // the script may be included by more than one panel
  window.crmProductRows = true;

  // ---- exact decimal arithmetic on fractions of BigInts ----
  const fraction = (n, d = 1n) => ({ n, d });
  const ZERO = fraction(0n);
  const HUNDRED = fraction(100n);

  function parseDecimal(text) {
    const clean = String(text ?? "").replace(/[\s\u00a0]/g, "").replace(",", ".");
    if (clean === "" || !/^\d*\.?\d*$/.test(clean) || clean === ".") return null;
    const [whole, decimals = ""] = clean.split(".");
    return fraction(BigInt((whole || "0") + decimals), 10n ** BigInt(decimals.length));
  }
  const add = (a, b) => fraction(a.n * b.d + b.n * a.d, a.d * b.d);
  const sub = (a, b) => fraction(a.n * b.d - b.n * a.d, a.d * b.d);
  const mul = (a, b) => fraction(a.n * b.n, a.d * b.d);
  const div = (a, b) => fraction(a.n * b.d, a.d * b.n);

  // Whole cents, half-up (away from zero on a tie), as Decimal.quantize(ROUND_HALF_UP).
  function cents(a) {
    const negative = (a.n < 0n) !== (a.d < 0n);
    const n = a.n < 0n ? -a.n : a.n;
    const d = a.d < 0n ? -a.d : a.d;
    const rounded = (200n * n + d) / (2n * d);
    return negative ? -rounded : rounded;
  }
  const fromCents = (value) => fraction(value, 100n);

  // catalog.pricing.row_totals
  function rowTotals({ price, quantity, discountType, discount, taxRate, isTaxIncluded }) {
    const unit = discountType === "percent"
      ? sub(price, div(mul(price, discount), HUNDRED))
      : sub(price, discount);
    const net = mul(unit, quantity);
    const rate = taxRate || ZERO;
    if (isTaxIncluded) {
      return { line: cents(net), tax: cents(div(mul(net, rate), add(HUNDRED, rate))) };
    }
    const tax = cents(div(mul(net, rate), HUNDRED));
    return { line: cents(net) + tax, tax };
  }

  function formatCents(value, label) {
    const lang = document.documentElement.lang || "en";
    const negative = value < 0n;
    const absolute = negative ? -value : value;
    const whole = new Intl.NumberFormat(lang).format(absolute / 100n);
    const decimal = new Intl.NumberFormat(lang, { minimumFractionDigits: 1 })
      .formatToParts(1.5).find((part) => part.type === "decimal")?.value || ".";
    const fractionDigits = String(absolute % 100n).padStart(2, "0");
    return `${negative ? "-" : ""}${whole}${decimal}${fractionDigits} ${label}`.trim();
  }

  // ---- one editor panel ----
  function bind(panel) {
    const body = panel.querySelector("tbody");
    if (!panel.classList.contains("editable") || !body) return;
    const template = panel.querySelector(".product-row-template");
    const search = panel.querySelector(".product-search");
    const results = panel.querySelector(".product-search-results");
    const status = panel.querySelector(".rows-status");
    const label = panel.dataset.currencyLabel;
    let version = 0;
    let saving = false;
    let again = false;

    function readRow(tr) {
      const value = (name) => tr.querySelector(`[name="${name}"]`).value;
      return {
        price: parseDecimal(value("price")),
        quantity: parseDecimal(value("quantity")),
        discountType: value("discount_type"),
        discount: parseDecimal(value("discount")) || ZERO,
        taxRate: parseDecimal(value("tax_rate")),
        isTaxIncluded: value("tax_included") !== "0",
      };
    }

    function recalculate() {
      let total = 0n;
      let tax = 0n;
      let valid = true;
      body.querySelectorAll("tr.product-row").forEach((tr) => {
        const row = readRow(tr);
        const cell = tr.querySelector(".row-total");
        if (!row.price || !row.quantity || row.quantity.n === 0n) {
          cell.textContent = "—";
          valid = false;
          return;
        }
        const totals = rowTotals(row);
        cell.textContent = formatCents(totals.line, label);
        total += totals.line;
        tax += totals.tax;
      });
      panel.querySelector('[data-testid="rows-total"]').textContent = formatCents(total, label);
      panel.querySelector('[data-testid="rows-tax"]').textContent = formatCents(tax, label);
      body.querySelector(".rows-empty").hidden = body.querySelector("tr.product-row") !== null;
      return valid;
    }

    async function save() {
      if (!recalculate()) return; // an unfinished number: wait for the user
      if (saving) { again = true; return; }
      saving = true;
      const sent = version;
      const data = new URLSearchParams();
      body.querySelectorAll("tr.product-row").forEach((tr) => {
        tr.querySelectorAll("input[name], select[name]").forEach((field) => data.append(field.name, field.value));
      });
      status.textContent = panel.dataset.savingLabel || "…";
      try {
        const response = await fetch(panel.dataset.saveUrl, {
          method: "POST",
          headers: { "X-CSRFToken": crm.csrfToken(), Accept: "text/html" },
          body: data,
        });
        if (!response.ok) {
          let text = response.statusText;
          try { text = (await response.json()).error || text; } catch (_) { /* an HTML error page */ }
          crm.toast(text);
          status.textContent = "";
          return;
        }
        const html = await response.text();
        if (version === sent && !again) replace(html);
      } catch (error) {
        crm.toast(String(error));
      } finally {
        saving = false;
        status.textContent = "";
        if (again) { again = false; save(); }
      }
    }

    function replace(html) {
      const page = new DOMParser().parseFromString(html, "text/html");
      const fresh = page.querySelector(".product-rows");
      if (!fresh) return;
      // What the user is typing in the search box meanwhile survives the swap.
      const typed = search.value;
      const focused = document.activeElement === search;
      panel.replaceWith(fresh);
      bind(fresh);
      const freshSearch = fresh.querySelector(".product-search");
      if (freshSearch && typed) {
        freshSearch.value = typed;
        freshSearch.dispatchEvent(new Event("input"));
      }
      if (freshSearch && focused) freshSearch.focus();
      document.dispatchEvent(new CustomEvent("crm:amount-changed", { detail: { amount: fresh.dataset.amountDisplay } }));
      // The card's own amount field, where the card shows one.
      const amountField = document.querySelector('[data-testid="field-amount"] .field-value');
      if (amountField) amountField.textContent = fresh.dataset.amountDisplay;
    }

    body.addEventListener("input", (event) => {
      if (event.target.name === "price") {
        event.target.closest("tr").querySelector('[name="price_from_catalog"]').value = "0";
      }
      version += 1;
      recalculate();
    });
    body.addEventListener("change", () => { version += 1; save(); });
    body.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.target.matches("input")) { event.preventDefault(); save(); }
    });
    body.addEventListener("click", (event) => {
      const remove = event.target.closest(".row-remove");
      if (!remove) return;
      remove.closest("tr").remove();
      version += 1;
      save();
    });

    function addRow(product) {
      const tr = template.content.firstElementChild.cloneNode(true);
      const set = (name, value) => { tr.querySelector(`[name="${name}"]`).value = value; };
      set("product", product.id);
      set("name", product.name);
      set("price", product.converted_price);
      set("price_from_catalog", "1");
      set("quantity", "1");
      set("discount", "0");
      set("tax_rate", product.vat_rate);
      set("tax_included", product.is_vat_included ? "1" : "0");
      tr.querySelector(".row-name").textContent = product.name;
      tr.querySelector(".row-measure").textContent = product.measure_label;
      tr.querySelector(".row-tax-label").textContent = product.vat_rate
        ? `${product.vat_rate}% ${product.is_vat_included ? panel.dataset.taxIncludedLabel : panel.dataset.taxAddedLabel}`
        : "—";
      body.insertBefore(tr, body.querySelector(".rows-empty"));
      version += 1;
      save();
      tr.querySelector('[name="quantity"]').focus();
    }

    let timer = null;
    let found = [];
    async function lookUp() {
      const text = search.value.trim();
      if (!text) { results.hidden = true; return; }
      const url = `${panel.dataset.searchUrl}?${new URLSearchParams({ q: text, currency: panel.dataset.currency })}`;
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok || search.value.trim() !== text) return;
      found = (await response.json()).products;
      results.replaceChildren(...(found.length ? found.map((product, index) => {
        const item = document.createElement("li");
        item.setAttribute("role", "option");
        item.tabIndex = -1;
        item.dataset.index = index;
        item.textContent = `${product.name}${product.sku ? ` · ${product.sku}` : ""} — ${product.converted_display}`;
        if (product.currency !== panel.dataset.currency) item.title = product.price_display;
        return item;
      }) : [Object.assign(document.createElement("li"), { className: "muted", textContent: panel.dataset.nothingFound })]));
      results.hidden = false;
    }
    search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(lookUp, 200); });
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && found.length && !results.hidden) {
        event.preventDefault();
        choose(0);
      } else if (event.key === "Escape") {
        results.hidden = true;
      }
    });
    results.addEventListener("click", (event) => {
      const item = event.target.closest("li[data-index]");
      if (item) choose(Number(item.dataset.index));
    });
    function choose(index) {
      addRow(found[index]);
      search.value = "";
      results.hidden = true;
      found = [];
    }
  }

  function start() { document.querySelectorAll(".product-rows").forEach(bind); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
