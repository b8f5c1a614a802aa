// Small helpers every page uses: toasts, the CSRF token, POST with JSON answers, select-all
// and the total counted on demand in lists, and the reason of a refused htmx request.
"use strict";

window.crm = {
  csrfToken() {
    return document.querySelector('meta[name="csrf-token"]').content;
  },
  toast(text, kind = "error") {
    const box = document.getElementById("toasts");
    const toast = document.createElement("div");
    toast.className = `toast toast-${kind}`;
    toast.setAttribute("role", "alert");
    toast.textContent = text;
    box.appendChild(toast);
    setTimeout(() => toast.remove(), 8000);
  },
  async post(url, data) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": crm.csrfToken(), Accept: "application/json" },
      body: new URLSearchParams(data),
    });
    let body = {};
    try { body = await response.json(); } catch (_) { /* not JSON: an HTML error page */ }
    return { ok: response.ok, status: response.status, body };
  },
};

document.addEventListener("DOMContentLoaded", () => {
  // Messages rendered with the page fade after a while, like the ones scripts add.
  document.querySelectorAll("#toasts .toast").forEach((toast) => setTimeout(() => toast.remove(), 8000));

  // List pages: "select all" and the total counted on demand.
  document.querySelectorAll("[data-select-all]").forEach((box) => {
    box.addEventListener("change", () => {
      document.querySelectorAll(box.dataset.selectAll).forEach((row) => { row.checked = box.checked; });
    });
  });
  document.querySelectorAll("[data-count-url]").forEach((link) => {
    link.addEventListener("click", async (event) => {
      event.preventDefault();
      const response = await fetch(link.dataset.countUrl, { headers: { Accept: "application/json" } });
      link.replaceWith(document.createTextNode(String((await response.json()).count)));
    });
  });
});

// htmx: a refused request (403, 409, 422) shows its reason instead of failing silently.
document.addEventListener("htmx:responseError", (event) => {
  const xhr = event.detail.xhr;
  let text = xhr.statusText;
  try { text = JSON.parse(xhr.responseText).error || text; } catch (_) { text = xhr.responseText.slice(0, 300) || text; }
  crm.toast(text);
});
